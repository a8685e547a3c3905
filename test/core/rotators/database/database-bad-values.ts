/** Secret values every database rotator must refuse, with the error naming the field. */
export function databaseBadValues(engine: "mysql" | "postgres"): { data: string; error: RegExp }[] {
  const base = { engine, host: "127.0.0.1", port: 5 };
  return [
    {
      data: JSON.stringify({ ...base, AccountName: "app" }),
      error: /AccountPassword.*expected \{"AccountName"/,
    },
    {
      data: JSON.stringify({
        ...base,
        AccountName: "app",
        AccountPassword: "Secret-1234",
        port: "3306",
      }),
      error: /port:/,
    },
    {
      data: JSON.stringify({
        ...base,
        AccountName: "app",
        AccountPassword: "Secret-1234",
        mode: "dual",
      }),
      error: /masterSecret: is required/,
    },
    {
      data: JSON.stringify({
        ...base,
        engine: engine === "mysql" ? "postgres" : "mysql",
        AccountName: "app",
        AccountPassword: "Secret-1234",
      }),
      error: /engine/,
    },
    { data: "not json at all", error: /not JSON; expected the shape/ },
  ];
}
