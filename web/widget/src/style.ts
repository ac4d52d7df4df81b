// The panel's look, scoped under .hde-root so it does not leak into (or from) a host page much.
export const CSS = `
.hde-root { font: 15px/1.45 system-ui, sans-serif; color: #1d2433; }
.hde-floating { position: fixed; right: 1rem; bottom: 1rem; width: min(24rem, calc(100vw - 2rem)); z-index: 2147483000; }
.hde-panel { background: #fff; border: 1px solid #d5dae3; border-radius: 12px; padding: 0.8rem;
  box-shadow: 0 6px 24px rgba(20, 30, 50, 0.15); display: flex; flex-direction: column; gap: 0.6rem; }
.hde-head { display: flex; justify-content: space-between; align-items: baseline; gap: 0.5rem; }
.hde-status { color: #4a5568; font-size: 0.9em; }
.hde-notice { margin: 0; padding: 0.5rem 0.6rem; background: #fff4e5; border: 1px solid #f0c27b; border-radius: 8px; }
.hde-transcript { list-style: none; margin: 0; padding: 0; max-height: 22rem; min-height: 4rem; overflow-y: auto;
  display: flex; flex-direction: column; gap: 0.35rem; }
.hde-line { padding: 0.35rem 0.55rem; border-radius: 8px; background: #f1f3f6; }
.hde-you { background: #e3efff; align-self: flex-end; }
.hde-tool { background: none; color: #4a5568; font-size: 0.88em; }
.hde-who { font-weight: 600; margin-right: 0.4rem; }
.hde-card { border: 2px solid #0b57d0; border-radius: 8px; padding: 0.6rem; }
.hde-card p { margin: 0 0 0.5rem; }
.hde-controls { display: flex; gap: 0.5rem; align-items: center; }
.hde-root button { font: inherit; border-radius: 8px; border: 1px solid #aab3c2; background: #fff; padding: 0.35rem 0.8rem; cursor: pointer; }
.hde-root button:focus-visible, .hde-root input:focus-visible { outline: 3px solid #0b57d0; outline-offset: 2px; }
.hde-confirm { background: #0b57d0 !important; color: #fff; border-color: #0b57d0 !important; }
.hde-mic { width: 3.2rem; height: 3.2rem; border-radius: 50% !important; font-size: 1.4rem; }
.hde-mic[data-state="connecting"] { border-color: #a0aec0; opacity: 0.7; }
.hde-mic[data-state="listening"] { border-color: #1a7f37; box-shadow: 0 0 0 4px #c6efd2; }
.hde-mic[data-state="thinking"] { border-color: #b7791f; box-shadow: 0 0 0 4px #fbe7c0; }
.hde-mic[data-state="speaking"] { border-color: #0b57d0; box-shadow: 0 0 0 4px #cfe0fc; }
.hde-type { display: flex; gap: 0.4rem; }
.hde-type input { flex: 1; font: inherit; padding: 0.35rem 0.5rem; border: 1px solid #aab3c2; border-radius: 8px; }
.hde-sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
[hidden] { display: none !important; }
`;
