export type ScreenId =
  | "connections"
  | "synchronize"
  | "user-mapping"
  | "csv-import"
  | "records"
  | "history";

export type ScreenInfo = {
  id: ScreenId;
  label: string;
};

export const SCREENS: readonly ScreenInfo[] = [
  { id: "connections", label: "Connections" },
  { id: "synchronize", label: "Synchronize" },
  { id: "user-mapping", label: "User Mapping" },
  { id: "csv-import", label: "CSV Import" },
  { id: "records", label: "Records" },
  { id: "history", label: "History" },
];
