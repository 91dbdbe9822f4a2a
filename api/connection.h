// What the HTTP server's connections share besides the server's state: the
// read size, the drain time, closing a stream, and the answer to a
// connection over the server's cap (api/server.cpp admits connections).
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <string>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>

namespace attnrec::api {

inline constexpr size_t kFirstRead = 4096;  // bytes asked for when a request starts
// How long a closing connection's unread input is read and dropped, so that
// closing does not reset the connection before the client read the answer.
inline constexpr auto kDrainTime = std::chrono::seconds(1);

// Shuts both directions down and closes; errors (the peer is gone) do not matter.
void close_stream(boost::beast::tcp_stream& stream);

// Answers a connection over the cap of `max_connections` with 503 (the JSON
// error `too_many_connections`, Retry-After, Connection: close, the request
// id given) without reading a request, drains it for up to kDrainTime, then
// closes it. `refusing` counts the refusals under way (one more until this
// one ends); it must outlive the socket's io_context handlers.
void refuse_connection(boost::asio::ip::tcp::socket socket, size_t max_connections,
                       std::string request_id, std::atomic<size_t>& refusing);

}  // namespace attnrec::api
