/**
 * The shape of one bench comparison, shared by the runner (`run.ts`) and the suites
 * that build pairs for it.
 *
 * @module
 */

/** One comparison: our task and the peer's, measured in the same Bench. */
export interface Pair {
  /** What is measured. */
  label: string;
  /** Our side. */
  ours: () => void | Promise<void>;
  /** The peer's side; absent when the peer is not available. */
  peer?: () => void | Promise<void>;
  /** The peer's name in the table. */
  peerName: string;
}
