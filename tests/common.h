/* Test helpers: every header of tests/common/ (one idea each: waiting,
 * WebSocket clients, tones, client messages, bus log, capture, /proc, the
 * live pipeline), for the tests that use most of them.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>
#include <gst/sessionctx/sessionctx.hpp>
#include <libsoup/soup.h>
#include <json-glib/json-glib.h>

#include "wire/base64.h"
#include "wire/mulaw.h"
#include "probe_sink.h"

#include "common/wait.h"
#include "common/ws_client.h"
#include "common/raw_ws_client.h"
#include "common/tone.h"
#include "common/messages.h"
#include "common/bus_log.h"
#include "common/capture.h"
#include "common/proc.h"
#include "common/live_pipeline.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <linux/sockios.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmath>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>
