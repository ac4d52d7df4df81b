// One stacked bar per turn: how long each stage took before Hard-E answered. The same figures
// are in a table under the chart, for screen readers and for copying.
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { latencyRows, STAGES, type TurnLatency } from "./latency";

export function LatencyChart({ latency }: { latency: TurnLatency[] }) {
  const rows = latencyRows(latency);
  if (rows.length === 0) return <p>No voice turns were measured in this conversation.</p>;
  return (
    <figure className="latency">
      <div className="chart" role="img" aria-label={`Latency per turn, stacked by stage, for ${rows.length} turns`}>
        <ResponsiveContainer width="100%" height={260}>
          <BarChart data={rows} margin={{ top: 8, right: 16, bottom: 8, left: 8 }}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey="label" />
            <YAxis unit=" ms" width={70} />
            <Tooltip />
            <Legend />
            {STAGES.map((stage) => (
              <Bar key={stage.key} dataKey={stage.key} name={stage.label} stackId="turn" fill={stage.colour}
                isAnimationActive={false} />
            ))}
          </BarChart>
        </ResponsiveContainer>
      </div>
      <figcaption>Time from the end of your words to Hard-E's answer, per turn.</figcaption>
      <details>
        <summary>The figures</summary>
        <table>
          <thead>
            <tr><th scope="col">Turn</th>{STAGES.map((stage) => <th scope="col" key={stage.key}>{stage.label}</th>)}<th scope="col">Total</th></tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.label}>
                <th scope="row">{row.label}</th>
                {STAGES.map((stage) => <td key={stage.key}>{row[stage.key]} ms</td>)}
                <td>{row.total} ms</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
