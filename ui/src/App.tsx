import { useEffect, useState } from "react";

import { Sidebar } from "./components/Sidebar";
import { ConnectionsScreen } from "./connections/ConnectionsScreen";
import { HistoryScreen } from "./history/HistoryScreen";
import { FileDrop, type ImportArrival } from "./import/FileDrop";
import { ImportScreen } from "./import/ImportScreen";
import { MappingScreen } from "./mapping/MappingScreen";
import { RecordsScreen } from "./records/RecordsScreen";
import { SynchronizeScreen } from "./sync/SynchronizeScreen";
import { StoreProblemScreen } from "./components/StoreProblemScreen";
import { ToastProvider } from "./components/Toasts";
import { appInfo, startupProblem, type ApiError, type AppInfo, type StoreProblem } from "./platform";
import { SCREENS, type ScreenId } from "./screens";

type Startup = { status: "checking" } | { status: "ok" } | { status: "problem"; problem: StoreProblem };

export default function App() {
  const [startup, setStartup] = useState<Startup>({ status: "checking" });

  useEffect(() => {
    let active = true;
    startupProblem().then(
      (problem) => {
        if (active) setStartup(problem ? { status: "problem", problem } : { status: "ok" });
      },
      // An app too old to know the command, or a failure to ask: run as usual.
      () => {
        if (active) setStartup({ status: "ok" });
      },
    );
    return () => {
      active = false;
    };
  }, []);

  if (startup.status === "checking") return null;
  if (startup.status === "problem") {
    return <StoreProblemScreen problem={startup.problem} onRecovered={() => setStartup({ status: "ok" })} />;
  }
  return <Shell />;
}

function Shell() {
  const [screen, setScreen] = useState<ScreenId>("connections");
  const [info, setInfo] = useState<AppInfo | null>(null);
  const [infoError, setInfoError] = useState<ApiError | null>(null);
  // Files dropped on any screen: CSV Import opens with them queued.
  const [arrival, setArrival] = useState<ImportArrival | null>(null);

  useEffect(() => {
    let active = true;
    appInfo().then(
      (value) => {
        if (active) setInfo(value);
      },
      (error: ApiError) => {
        if (active) setInfoError(error);
      },
    );
    return () => {
      active = false;
    };
  }, []);

  const current = SCREENS.find((s) => s.id === screen) ?? SCREENS[0];

  return (
    <ToastProvider>
      <FileDrop
        onArrival={(next) => {
          setArrival(next);
          setScreen("csv-import");
        }}
      />
      <div className="app">
        <Sidebar current={screen} onSelect={setScreen} info={info} infoError={infoError} />
        <main className="main" aria-label={current.label}>
          {info?.keyring_problem ? (
            <div className="banner banner-warning" role="alert" data-testid="keyring-banner">
              <strong className="banner-title">The system keyring is not available.</strong>
              <span>{info.keyring_problem}</span>
            </div>
          ) : null}
          <div className="main-content">
            {current.id === "connections" ? (
              <ConnectionsScreen onNavigate={setScreen} />
            ) : current.id === "synchronize" ? (
              <SynchronizeScreen onNavigate={setScreen} />
            ) : current.id === "user-mapping" ? (
              <MappingScreen onNavigate={setScreen} />
            ) : current.id === "csv-import" ? (
              <ImportScreen arrival={arrival} onArrivalSeen={() => setArrival(null)} />
            ) : current.id === "records" ? (
              <RecordsScreen />
            ) : (
              <HistoryScreen />
            )}
          </div>
        </main>
      </div>
    </ToastProvider>
  );
}
