// A small synchronous HTTP/1.1 client for tests: one TCP connection, one
// request at a time (keep-alive), plus raw writes for malformed requests.
// Not thread-safe: one client per thread.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

namespace attnrec::testing {

using Response = boost::beast::http::response<boost::beast::http::string_body>;
using Headers = std::vector<std::pair<std::string, std::string>>;

class HttpClient {
 public:
  // Connects at once; throws on failure. Reads time out after `timeout`.
  explicit HttpClient(boost::asio::ip::tcp::endpoint endpoint,
                      std::chrono::milliseconds timeout = std::chrono::seconds(10));

  // Sends one request and reads its response. Content-Type is JSON when a
  // body is given unless `headers` names one.
  Response request(std::string_view method, std::string_view target, std::string body = {},
                   const Headers& headers = {});
  Response get(std::string_view target) { return request("GET", target); }

  // Writes raw bytes (a hand-made request) and reads one response.
  Response raw(std::string_view bytes);
  void write(std::string_view bytes);
  Response read();

  // True when the server has closed the connection (reads EOF).
  bool closed_by_peer();

 private:
  boost::asio::io_context ioc_;
  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  std::chrono::milliseconds timeout_;
};

}  // namespace attnrec::testing
