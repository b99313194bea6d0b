import mqttPacket from 'mqtt-packet';
import type { Packet } from 'mqtt-packet';
import { decodePubackFrame, decodePublishFrame } from './publish-decoder.js';

export type { Packet } from 'mqtt-packet';

// mqtt-packet otherwise fills a process-wide cache of 65,536 two-byte Buffers on its first encode: 6 MB of heap, the
// largest single item of an idle edge runtime (issue #8 heap snapshot). Encoding a packet id without it costs one
// 2-byte allocation. mqtt.js (the device client) shares this module instance, so the setting covers it too.
mqttPacket.writeToStream.cacheNumbers = false;

/**
 * Decodes whole frames (from `FrameReader`) with mqtt-packet's parser, one parser per connection (it switches
 * protocol level on CONNECT). A frame always yields exactly one packet or an error.
 */
export class PacketDecoder {
  private readonly parser = mqttPacket.parser({ protocolVersion: 4 });
  /** The parser's settings: its protocol level switches to the CONNECT's (mqtt-packet replaces the object). */
  private get parserSettings(): { readonly protocolVersion?: number } {
    return (this.parser as unknown as { settings?: { protocolVersion?: number } }).settings ?? {};
  }
  private packet: Packet | undefined;
  private error: Error | undefined;

  constructor() {
    this.parser.on('packet', (p: Packet) => {
      this.packet = p;
    });
    this.parser.on('error', (e: Error) => {
      this.error = e;
    });
  }

  /** The packet in `frame`; throws an Error naming the defect when the frame is not a valid MQTT packet. */
  decode(frame: Buffer): Packet {
    // PUBLISH and PUBACK, the packets of every routed message, take the direct decoders; a client that CONNECTed with MQTT 5
    // (properties in PUBLISH) and every other packet take mqtt-packet's parser.
    if (this.parserSettings.protocolVersion !== 5) {
      const known = decodePublishFrame(frame) ?? decodePubackFrame(frame);
      if (known !== undefined) return known;
    }
    this.packet = undefined;
    this.error = undefined;
    this.parser.parse(frame);
    const { packet, error } = this;
    if (error !== undefined) throw error;
    if (packet === undefined) throw new Error('the frame does not hold a complete packet');
    return packet;
  }
}

/** Encodes a packet for MQTT 3.1.1. */
export function encodePacket(packet: Packet): Buffer {
  return mqttPacket.generate(packet, { protocolVersion: 4 });
}
