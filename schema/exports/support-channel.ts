/**
 * The owner's contact as a support channel the catalog standards can link to: an email
 * address as `mailto:`, an http(s) address as a web page. Anything else (a chat channel
 * such as `#sales-data`, a team alias) has no URL: undefined, because ODPS requires a
 * support entry's `url` to be a URI and a made-up one would send readers nowhere.
 */
export function supportChannel(contact: string): { channel: 'email' | 'web'; url: string } | undefined {
  if (/^[^\s@]+@[^\s@]+$/.test(contact)) return { channel: 'email', url: `mailto:${contact}` };
  if (URL.canParse(contact) && /^https?:$/.test(new URL(contact).protocol)) return { channel: 'web', url: contact };
  return undefined;
}
