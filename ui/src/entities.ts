import type { Entity } from "./platform";

export type EntitySpec = {
  entity: Entity;
  /** Button label on Synchronize. */
  label: string;
  /** Plural noun used in sentences ("Fetching 3,000 of 10,000 users…"). */
  noun: string;
  /** The noun for one ("Added 1 user"). */
  singular: string;
  /** The local group the records are written to. */
  group: string;
  /** Header of the `detail` column. */
  detailLabel: string;
  /** Default file name of the CSV export. */
  csvName: string;
};

export const ENTITY_SPECS: Record<Entity, EntitySpec> = {
  users: {
    entity: "users",
    label: "Users",
    noun: "users",
    singular: "user",
    group: "Call Center Agents",
    detailLabel: "Email",
    csvName: "cc-agents.csv",
  },
  campaigns: {
    entity: "campaigns",
    label: "Campaigns",
    noun: "campaigns",
    singular: "campaign",
    group: "CC Campaigns",
    detailLabel: "Detail",
    csvName: "cc-campaigns.csv",
  },
  dispositions: {
    entity: "dispositions",
    label: "Dispositions",
    noun: "dispositions",
    singular: "disposition",
    group: "CC Dispositions",
    detailLabel: "Detail",
    csvName: "cc-dispositions.csv",
  },
  agent_statuses: {
    entity: "agent_statuses",
    label: "Agent Statuses",
    noun: "agent statuses",
    singular: "agent status",
    group: "CC Agent Status",
    detailLabel: "Detail",
    csvName: "cc-agent-statuses.csv",
  },
};

export const ENTITY_ORDER: Entity[] = ["users", "campaigns", "dispositions", "agent_statuses"];
