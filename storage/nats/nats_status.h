// The one place where nats.c's natsStatus and jsErrCode become
// attnrec::Status (base/status.h). The message names the operation, then
// the client's own text for the failure (nats_GetLastError, which carries
// the server's description of a refused JetStream request).
#pragma once

#include <string_view>

#include <nats/nats.h>

#include "base/status.h"

namespace attnrec::storage::nats {

// `what` names the failed operation, e.g. "publish on \"events.u1\"".
// Lost connections, timeouts and no-responders are kUnavailable; an
// unknown stream or consumer kNotFound; any other request the server
// refused (a JetStream error code) kInvalidArgument. Call it on the thread
// that made the failed call, right after it (the client's error text is
// per thread).
Status from_nats(natsStatus s, jsErrCode jerr, std::string_view what);

}  // namespace attnrec::storage::nats
