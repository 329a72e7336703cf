// gRPC's length-prefixed message framing, written once for both sides of the wire: @plugway/plugin-host's node:http2
// hook client (requests) and @plugway/plugin-sdk's node:http2 server (answers).
import { BinaryWriter } from '@bufbuild/protobuf/wire';

/** What `encodeGrpcFrame` needs of a generated message: its `encode` into a BinaryWriter. */
export interface GrpcFrameCodec<T> {
  encode(message: T, writer: BinaryWriter): BinaryWriter;
}

const PREFIX = new Uint8Array(5);
const KEEP_BYTES = 64 * 1024;
let writer = new BinaryWriter();

/**
 * Encodes a message straight into a gRPC frame (flag byte 0, big-endian length, the message): the codec writes into a
 * BinaryWriter that already holds the 5 prefix bytes, so the message is neither copied into a Buffer nor into the
 * frame afterwards. One writer serves every call (encoding is synchronous; `finish` copies the bytes out and resets
 * it), so a call does not allocate and grow a new writer buffer; a writer that grew past `KEEP_BYTES` (a large body)
 * or failed midway is dropped.
 */
export function encodeGrpcFrame<T>(codec: GrpcFrameCodec<T>, message: T): Buffer {
  let bytes: Uint8Array;
  try {
    bytes = codec.encode(message, writer.raw(PREFIX)).finish();
  } catch (e) {
    writer = new BinaryWriter();
    throw e;
  }
  if (bytes.length > KEEP_BYTES) writer = new BinaryWriter();
  const out = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  out.writeUInt32BE(out.length - 5, 1);
  return out;
}
