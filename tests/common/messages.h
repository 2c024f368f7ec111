/* Client messages of both dialects (FastRTC, Twilio), as clients send them.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "wire/base64.h"

#include <string>

namespace test {

inline std::string
b64 (const std::string & raw)
{
  std::string out;
  sessionctx::base64_encode_append ((const uint8_t *) raw.data (), raw.size (),
      out);
  return out;
}

inline std::string
fastrtc_start (const std::string & id)
{
  return "{\"event\":\"start\",\"websocket_id\":\"" + id + "\"}";
}

inline std::string
fastrtc_media (const std::string & mulaw)
{
  return "{\"event\":\"media\",\"media\":{\"payload\":\"" + b64 (mulaw) +
      "\"}}";
}

inline std::string
twilio_start (const std::string & sid, const std::string & custom =
    "{\"caller\":\"+15550001\",\"lang\":\"en\"}")
{
  return "{\"event\":\"start\",\"sequenceNumber\":\"1\",\"streamSid\":\"" + sid
      + "\",\"start\":{\"accountSid\":\"AC123\",\"streamSid\":\"" + sid +
      "\",\"callSid\":\"CA456\",\"tracks\":[\"inbound\"],\"customParameters\":"
      + custom + ",\"mediaFormat\":{\"encoding\":\"audio/x-mulaw\","
      "\"sampleRate\":8000,\"channels\":1}}}";
}

inline std::string
twilio_media (const std::string & sid, int seq, const std::string & mulaw)
{
  return "{\"event\":\"media\",\"sequenceNumber\":\"" + std::to_string (seq) +
      "\",\"streamSid\":\"" + sid + "\",\"media\":{\"track\":\"inbound\","
      "\"chunk\":\"" + std::to_string (seq) + "\",\"timestamp\":\"" +
      std::to_string (seq * 20) + "\",\"payload\":\"" + b64 (mulaw) + "\"}}";
}

}  // namespace test
