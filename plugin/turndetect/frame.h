/* The unit of time of turn detection: every voice decision covers this
 * much audio.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

namespace turndetect {

constexpr int kFrameMs = 10;

}  // namespace turndetect
