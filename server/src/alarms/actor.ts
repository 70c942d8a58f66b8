/**
 * Who acts on an alarm, and over which enterprises (tenants). Until users and logins exist (issue 6)
 * the HTTP layer builds it from request headers; the handling service takes it as given and makes
 * the one tenant check, so authentication can replace the source without touching the rules.
 */
export type Actor = {
  /** Recorded as `by` on every event the actor causes. */
  id: string;
  /** `all`: every enterprise (the platform operator, a provincial regulator). */
  enterprises: 'all' | readonly string[];
};

export function mayAct(actor: Actor, enterpriseId: string): boolean {
  return actor.enterprises === 'all' || actor.enterprises.includes(enterpriseId);
}

/** Restricts an enterprise filter to what the actor may see; undefined: no restriction. */
export function scopeOf(actor: Actor | undefined): readonly string[] | undefined {
  return actor === undefined || actor.enterprises === 'all' ? undefined : actor.enterprises;
}
