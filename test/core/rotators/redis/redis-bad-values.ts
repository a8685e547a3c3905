/** Secret values the Redis rotator must refuse before anything is written, with the error naming the field. */
export function redisBadValues(): { data: string; error: RegExp }[] {
  const base = { engine: "redis", host: "127.0.0.1", port: 6379 };
  const login = { AccountName: "app", AccountPassword: "Secret-1234" };
  return [
    {
      data: JSON.stringify({ ...base, AccountName: "app" }),
      error: /AccountPassword.*expected \{"AccountName"/,
    },
    { data: JSON.stringify({ ...base, ...login, port: "6379" }), error: /port:/ },
    {
      data: JSON.stringify({ ...base, ...login, mode: "dual" }),
      error: /masterSecret: is required/,
    },
    { data: JSON.stringify({ ...base, ...login, engine: "mysql" }), error: /engine/ },
    {
      data: JSON.stringify({ ...base, ...login, AccountName: "app user" }),
      error: /AccountName: must not contain white space/,
    },
    {
      data: JSON.stringify({ ...base, ...login, masterSecret: "m", InstanceId: "r-bp1abc" }),
      error: /masterSecret: must not be given with InstanceId/,
    },
    {
      data: JSON.stringify({ ...base, ...login, AccountName: "App", InstanceId: "r-bp1abc" }),
      error: /AccountName: must be an ApsaraDB for Redis\/Tair account name/,
    },
    { data: JSON.stringify({ ...base, ...login, tls: { verify: "yes" } }), error: /tls\.verify/ },
    { data: "not json at all", error: /not JSON; expected the shape/ },
  ];
}
