// How each kind of receiver wants a transition: a webhook the payload itself; ntfy its HTTP
// publish format (the message as the body, Title/Priority/Tags/Click headers); Slack and
// Discord their incoming-webhook JSON; e-mail a subject and a plain-text body. Pure.
import type { AlertPayload } from '../../protocol/alerts.ts';
import type { ReceiverKind } from './rule-file.ts';

export interface HttpRequest {
  headers: Record<string, string>;
  body: string;
}

const word = (p: AlertPayload) => (p.status === 'firing' ? 'FIRING' : 'RESOLVED');

/** A header value: as is when printable ASCII, else RFC 2047 encoded (ntfy decodes it). */
export function headerValue(s: string): string {
  const flat = s.replace(/[\r\n]+/g, ' ');
  return /^[\x20-\x7e]*$/.test(flat) ? flat : `=?UTF-8?B?${Buffer.from(flat, 'utf8').toString('base64')}?=`;
}

/** Slack's mrkdwn: &, < and > are its control characters. */
const slackText = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Discord markdown: outside text is shown as written, never as formatting or a mention. */
const discordText = (s: string) => s.replace(/([\\*_~`|>#[\]()@<:-])/g, '\\$1');

export function httpRequest(kind: Exclude<ReceiverKind, 'email'>, p: AlertPayload): HttpRequest {
  switch (kind) {
    case 'webhook':
      return { headers: { 'content-type': 'application/json' }, body: JSON.stringify(p) };
    case 'ntfy':
      return {
        headers: {
          'content-type': 'text/plain; charset=utf-8',
          Title: headerValue(`${word(p)}: ${p.rule}`),
          Priority: p.status === 'firing' ? 'high' : 'default',
          Tags: p.status === 'firing' ? 'rotating_light' : 'white_check_mark',
          Click: headerValue(p.url),
        },
        body: p.summary,
      };
    case 'slack':
      return {
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          text: `${p.status === 'firing' ? ':rotating_light:' : ':white_check_mark:'} *${word(p)}* ${slackText(p.rule)}: ${slackText(p.summary)} <${p.url}|open>`,
        }),
      };
    case 'discord':
      return {
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          content: `**${word(p)}** ${discordText(p.rule)}: ${discordText(p.summary)}\n<${p.url}>`.slice(0, 2000),
          allowed_mentions: { parse: [] },
        }),
      };
  }
}

export function email(p: AlertPayload): { subject: string; text: string } {
  const iso = (t: number | null) => (t === null ? '' : new Date(t * 1000).toISOString());
  const lines = [
    p.summary,
    '',
    `rule:     ${p.rule}`,
    `status:   ${p.status}`,
    `host:     ${p.host}`,
    ...(p.container !== null ? [`container: ${p.container}`] : []),
    ...(p.metric !== null ? [`metric:   ${p.metric} = ${p.value} (threshold ${p.threshold})`] : []),
    ...(p.event !== null ? [`event:    ${p.event}`] : []),
    `started:  ${iso(p.started_at)}`,
    ...(p.ended_at !== null ? [`ended:    ${iso(p.ended_at)}`] : []),
    '',
    p.url,
  ];
  return {
    subject: `[Berth] ${word(p)}: ${p.rule} on ${p.container === null ? p.host : `${p.container} (${p.host})`}`.replace(
      /[\r\n]+/g,
      ' ',
    ),
    text: lines.join('\n'),
  };
}
