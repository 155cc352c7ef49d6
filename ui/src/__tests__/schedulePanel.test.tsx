// The schedule panel's word on where schedules run, and its Start at login switch.
import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";

import { SchedulePanel } from "../mapping/SchedulePanel";
import { apiError, deferred, installBackend, mappingLink, scheduleInfo, type Handler } from "../test/fakeBackend";

const RC = mappingLink();
const WEBEX = mappingLink({ id: 2, platform: "webex", external_connection_id: "wx1", external_connection_name: "Demo Webex" });

function setup(handlers: Record<string, Handler> = {}) {
  return installBackend({
    handlers: { get_schedule: () => scheduleInfo({ schedule: { kind: "hourly" } }), ...handlers },
  });
}

describe("Schedule panel: where schedules run", () => {
  it("says schedules run in the app or its tray, and shows the command for cron or Task Scheduler", async () => {
    setup();
    const { rerender } = render(<SchedulePanel link={RC} businessUnit={null} refreshKey={0} />);
    const where = await screen.findByTestId("schedule-where");
    expect(where).toHaveTextContent("Schedules run in the app while it is open or in the tray");
    expect(where).toHaveTextContent("when the app is not running");
    expect(where).toHaveTextContent("cron or Task Scheduler");
    expect(within(where).getByTestId("schedule-cli-command")).toHaveTextContent(
      "ccsync map auto --platform ringcentral",
    );

    rerender(<SchedulePanel link={WEBEX} businessUnit={null} refreshKey={0} />);
    expect(screen.getByTestId("schedule-cli-command")).toHaveTextContent("ccsync map auto --platform webex");
    expect(screen.getByTestId("schedule-cli-command")).toHaveAttribute(
      "title",
      "ccsync map auto --platform webex",
    );
  });

  it("names the business unit in the command and the title when there are several, and reads that link's schedule", async () => {
    const backend = setup();
    const west = mappingLink({
      id: 3,
      cxone_connection_id: "c2",
      business_unit: "Demo Contact Center West (4600002)",
      business_unit_id: 4600002,
      external_connection_id: "rc2",
      external_connection_name: "Demo RingCentral West",
    });
    render(<SchedulePanel link={west} businessUnit="Demo tenant West" refreshKey={0} />);
    expect(await screen.findByTestId("schedule-cli-command")).toHaveTextContent(
      'ccsync map auto --platform ringcentral --business-unit "Demo tenant West"',
    );
    expect(screen.getByRole("heading", { level: 2 })).toHaveTextContent(
      "Auto Sync schedule — RingCentral, Demo Contact Center West (4600002)",
    );
    await waitFor(() => expect(backend.callsTo("get_schedule").map((c) => c.args)).toEqual([{ linkId: 3 }]));
  });
});

describe("Schedule panel: Start at login", () => {
  it("shows the system's state, and is disabled until it is known", async () => {
    const answer = deferred<boolean>();
    setup({ get_autostart: () => answer.promise });
    render(<SchedulePanel link={RC} businessUnit={null} refreshKey={0} />);
    const toggle = await screen.findByTestId("autostart-switch");
    expect(toggle).toBeDisabled();
    answer.resolve(true);
    await waitFor(() => expect(toggle).toBeEnabled());
    expect(toggle).toBeChecked();
    expect(toggle).toHaveAttribute("role", "switch");
    expect(toggle).toHaveAccessibleName("Start CC Sync at login");
  });

  it("turns it on and shows what the system answered", async () => {
    const user = userEvent.setup();
    // The system keeps its own state: the switch shows the answer, not the click.
    let system = false;
    const backend = setup({
      get_autostart: () => system,
      set_autostart: (args) => {
        system = args.enabled as boolean;
        return system;
      },
    });
    render(<SchedulePanel link={RC} businessUnit={null} refreshKey={0} />);
    const toggle = await screen.findByTestId("autostart-switch");
    await waitFor(() => expect(toggle).toBeEnabled());
    expect(toggle).not.toBeChecked();

    await user.click(toggle);
    await waitFor(() => expect(toggle).toBeChecked());
    expect(backend.callsTo("set_autostart").map((c) => c.args)).toEqual([{ enabled: true }]);

    await user.click(toggle);
    await waitFor(() => expect(toggle).not.toBeChecked());
    expect(backend.callsTo("set_autostart").map((c) => c.args)).toEqual([{ enabled: true }, { enabled: false }]);
  });

  it("keeps the state and says why when the system refuses", async () => {
    const user = userEvent.setup();
    const refusal = apiError(
      "internal",
      "Internal error: the Start at login setting could not be changed (Permission denied). Please report it with the log file.",
    );
    setup({
      get_autostart: () => false,
      set_autostart: () => {
        throw refusal;
      },
    });
    render(<SchedulePanel link={RC} businessUnit={null} refreshKey={0} />);
    const toggle = await screen.findByTestId("autostart-switch");
    await waitFor(() => expect(toggle).toBeEnabled());
    await user.click(toggle);
    expect(await screen.findByTestId("autostart-error")).toHaveTextContent(refusal.message);
    expect(toggle).not.toBeChecked();
    expect(toggle).toBeEnabled();
  });
});
