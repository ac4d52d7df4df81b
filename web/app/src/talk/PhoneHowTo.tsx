// How to give Hard-E a phone number: Twilio's number points at this server, the operator ties it
// to the company, and the office line can forward to it.
export function PhoneHowTo({ tenantId }: { tenantId: string }) {
  const origin = window.location.origin;
  return (
    <section aria-labelledby="phone-title">
      <h2 id="phone-title">Call Hard-E on the phone</h2>
      <ol>
        <li>Buy a phone number in your Twilio account (or use one you have).</li>
        <li>
          Ask your Hard-E operator to connect it: <code>harde twilio connect --number +1… --tenant {tenantId}</code>.
          That points the number's voice webhook at <code>{origin}/twilio/voice</code> and routes its calls to
          your company.
        </li>
        <li>Add your team's mobile numbers on the Team page, so Hard-E knows who is calling.</li>
        <li>Optionally forward your office line to the new number after hours.</li>
      </ol>
    </section>
  );
}
