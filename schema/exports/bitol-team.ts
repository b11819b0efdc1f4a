/**
 * A product's owner as the `team` block the Bitol standards share (RFC 0016: ODCS v3.1 and
 * ODPS v1.0 both take an object with the team's name and its members): the owning team, with
 * its contact as the one member known, in the owner role.
 */
export function bitolTeam(owner: { team: string; contact: string }): { name: string; members: { username: string; role: 'owner' }[] } {
  return { name: owner.team, members: [{ username: owner.contact, role: 'owner' }] };
}
