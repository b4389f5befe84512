/**
 * Other people's presence as it arrives. The provider's awareness messages (from the server,
 * or from another tab over BroadcastChannel) are read entry by entry, and a state outside
 * Tandem's presence schema is dropped before it reaches the awareness: so it reaches nothing
 * that reads presence (carets, avatars, following), and the provider, which sends every change
 * it receives back to the server, never echoes it (the server closes whoever sends one, 4400).
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as awarenessProtocol from 'y-protocols/awareness';
import type { WebsocketProvider } from 'y-websocket';
import { presenceStateProblem } from '../protocol/presence-schema';
import { MessageType } from '../protocol/sync-protocol';

/** An awareness update split into what Tandem accepts and why the rest was refused. */
export interface FilteredPresence {
  /** The accepted entries, encoded as an awareness update; null when none was. */
  accepted: Uint8Array | null;
  /** One line per refused entry (or for an undecodable rest of the update). */
  refused: string[];
}

interface Entry {
  clientId: number;
  clock: number;
  json: string;
}

/**
 * Keeps the entries of an awareness update (y-protocols' `[count, (clientId, clock, JSON)*]`)
 * that are removals (`null`) or states in Tandem's schema. An update that cannot be decoded
 * to the end keeps the entries before the break.
 */
export function filterPresenceUpdate(update: Uint8Array): FilteredPresence {
  const kept: Entry[] = [];
  const refused: string[] = [];
  const decoder = decoding.createDecoder(update);
  try {
    const count = decoding.readVarUint(decoder);
    for (let i = 0; i < count; i++) {
      const clientId = decoding.readVarUint(decoder);
      const clock = decoding.readVarUint(decoder);
      const json = decoding.readVarString(decoder);
      const problem = stateProblem(json);
      if (problem) refused.push(`client ${clientId}: ${problem}`);
      else kept.push({ clientId, clock, json });
    }
  } catch (error) {
    // lib0 throws on a truncated or overlong number; what was read before the break stands.
    refused.push(`undecodable awareness update: ${error instanceof Error ? error.message : String(error)}`);
  }
  return { accepted: kept.length > 0 ? encodeEntries(kept) : null, refused };
}

/** Why an entry's JSON is no Tandem presence state nor a removal; null when it is one. */
function stateProblem(json: string): string | null {
  let state: unknown;
  try {
    state = JSON.parse(json);
  } catch {
    return 'state is not JSON';
  }
  return state === null ? null : presenceStateProblem(state);
}

function encodeEntries(entries: Entry[]): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, entries.length);
  for (const { clientId, clock, json } of entries) {
    encoding.writeVarUint(encoder, clientId);
    encoding.writeVarUint(encoder, clock);
    encoding.writeVarString(encoder, json);
  }
  return encoding.toUint8Array(encoder);
}

/**
 * Replaces `provider`'s awareness message handler with one that applies only what
 * filterPresenceUpdate accepts (with the provider as origin, as the stock handler does). The
 * first refusal is reported on the console; an attacker renews theirs every few seconds.
 */
export function admitOnlyTandemPresence(provider: WebsocketProvider): void {
  let warned = false;
  provider.messageHandlers[MessageType.AWARENESS] = (_encoder, decoder, target) => {
    const { accepted, refused } = filterPresenceUpdate(decoding.readVarUint8Array(decoder));
    if (refused.length > 0 && !warned) {
      warned = true;
      console.warn('Tandem: ignored presence outside Tandem’s schema:', refused.join('; '));
    }
    if (accepted) awarenessProtocol.applyAwarenessUpdate(target.awareness, accepted, target);
  };
}
