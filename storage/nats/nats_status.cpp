#include "storage/nats/nats_status.h"

#include <string>

namespace attnrec::storage::nats {

namespace {

// nats.c puts where in its sources it set an error in front of the text,
// "(jsm.c:1033): replicas > 1 not supported ...": of no use to a user.
std::string_view without_location(std::string_view text) {
  if (text.empty() || text.front() != '(') return text;
  const size_t end = text.find("): ");
  if (end == std::string_view::npos || text.substr(0, end).find(':') == std::string_view::npos) {
    return text;
  }
  return text.substr(end + 3);
}

}  // namespace

Status from_nats(natsStatus s, jsErrCode jerr, std::string_view what) {
  if (s == NATS_OK) return Status::ok();
  std::string msg(what);
  msg.append(": ");
  natsStatus last = NATS_OK;
  const char* text = nats_GetLastError(&last);
  if (jerr == JSStreamNotFoundErr) {
    msg.append("no such stream");  // nats.c leaves no text for these
  } else if (jerr == JSConsumerNotFoundErr) {
    msg.append("no such consumer");
  } else if (text != nullptr && *text != '\0' && last == s) {
    msg.append(without_location(text));
  } else {
    msg.append(natsStatus_GetText(s));
  }
  if (jerr != 0) msg.append(" (JetStream error ").append(std::to_string(jerr)).append(")");

  if (jerr != 0) {  // the server answered and refused
    switch (jerr) {
      case JSStreamNotFoundErr:
      case JSConsumerNotFoundErr:
        return Status::not_found(std::move(msg));
      case JSNotEnabledErr:
      case JSNotEnabledForAccountErr:
        return Status::unavailable(std::move(msg));
      default:
        return Status::invalid_argument(std::move(msg));
    }
  }
  switch (s) {
    case NATS_NO_SERVER:
    case NATS_CONNECTION_CLOSED:
    case NATS_CONNECTION_DISCONNECTED:
    case NATS_CONNECTION_AUTH_FAILED:
    case NATS_STALE_CONNECTION:
    case NATS_IO_ERROR:
    case NATS_TIMEOUT:
    case NATS_NO_RESPONDERS:
    case NATS_DRAINING:
    case NATS_SLOW_CONSUMER:
    case NATS_NO_SERVER_SUPPORT:
      return Status::unavailable(std::move(msg));
    case NATS_NOT_FOUND:
      return Status::not_found(std::move(msg));
    case NATS_MAX_PAYLOAD:
      return Status::too_large(std::move(msg));
    case NATS_INVALID_ARG:
    case NATS_INVALID_SUBJECT:
    case NATS_INVALID_TIMEOUT:
    case NATS_ILLEGAL_STATE:
    case NATS_NOT_PERMITTED:
    case NATS_MISMATCH:
      return Status::invalid_argument(std::move(msg));
    default:
      return Status::internal(std::move(msg));
  }
}

}  // namespace attnrec::storage::nats
