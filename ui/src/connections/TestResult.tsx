import type { ApiError, TestOutcome } from "../platform";

export type TestState =
  | { status: "ok"; outcome: TestOutcome }
  | { status: "failed"; error: ApiError };

export function TestResult({ name, state }: { name: string; state: TestState }) {
  if (state.status === "ok") {
    return (
      <div className="result result-ok" data-testid="test-result" data-ok="true" role="status">
        <p className="result-title">
          <span aria-hidden="true">✓ </span>
          {state.outcome.summary}
        </p>
        {state.outcome.facts.length > 0 ? (
          <dl className="facts" aria-label={`Test details for ${name}`}>
            {state.outcome.facts.map((fact, index) => (
              <div className="fact" key={`${fact.label}-${index}`}>
                <dt>{fact.label}</dt>
                <dd>{fact.value}</dd>
              </div>
            ))}
          </dl>
        ) : null}
      </div>
    );
  }
  return (
    <div className="result result-failed" data-testid="test-result" data-ok="false" role="alert">
      <p className="result-title">
        <span aria-hidden="true">✗ </span>
        Test of {name} failed
      </p>
      <p className="result-message">{state.error.message}</p>
    </div>
  );
}
