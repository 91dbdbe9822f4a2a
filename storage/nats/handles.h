// RAII owners for the nats.c objects storage/nats/ uses: each pointer is
// destroyed with its own *_Destroy, once. Internal to storage/nats/ (it
// includes nats.h).
#pragma once

#include <memory>

#include <nats/nats.h>

namespace attnrec::storage::nats {

template <auto Destroy>
struct Destroyer {
  template <class T>
  void operator()(T* p) const { Destroy(p); }
};

using OptionsPtr = std::unique_ptr<natsOptions, Destroyer<natsOptions_Destroy>>;
// Destroying a connection closes it first (and flushes nothing pending).
using ConnectionPtr = std::unique_ptr<natsConnection, Destroyer<natsConnection_Destroy>>;
using JsCtxPtr = std::unique_ptr<jsCtx, Destroyer<jsCtx_Destroy>>;
// Destroying a subscription removes the client's interest only; a durable
// consumer stays on the server (nats.c >= 3.4).
using SubscriptionPtr = std::unique_ptr<natsSubscription, Destroyer<natsSubscription_Destroy>>;
using MsgPtr = std::unique_ptr<natsMsg, Destroyer<natsMsg_Destroy>>;
using StreamInfoPtr = std::unique_ptr<jsStreamInfo, Destroyer<jsStreamInfo_Destroy>>;
using ConsumerInfoPtr = std::unique_ptr<jsConsumerInfo, Destroyer<jsConsumerInfo_Destroy>>;
using AccountInfoPtr = std::unique_ptr<jsAccountInfo, Destroyer<jsAccountInfo_Destroy>>;
using PubAckPtr = std::unique_ptr<jsPubAck, Destroyer<jsPubAck_Destroy>>;
using MetaDataPtr = std::unique_ptr<jsMsgMetaData, Destroyer<jsMsgMetaData_Destroy>>;
using KvStorePtr = std::unique_ptr<kvStore, Destroyer<kvStore_Destroy>>;
using KvWatcherPtr = std::unique_ptr<kvWatcher, Destroyer<kvWatcher_Destroy>>;
using KvEntryPtr = std::unique_ptr<kvEntry, Destroyer<kvEntry_Destroy>>;

// A fetched batch (natsMsgList lives on the stack; its array and every
// message still in it are freed here). Take a message out by moving it into
// a MsgPtr and nulling its slot.
struct MsgList {
  natsMsgList list{};
  MsgList() = default;
  MsgList(const MsgList&) = delete;
  MsgList& operator=(const MsgList&) = delete;
  ~MsgList() { natsMsgList_Destroy(&list); }
};

// Out-parameter adaptor: `natsX_Create(out_ptr(p), ...)` fills a
// std::unique_ptr through a raw T** and hands it the result.
template <class Ptr>
class OutPtr {
 public:
  explicit OutPtr(Ptr& p) : p_(p) {}
  ~OutPtr() { p_.reset(raw_); }
  operator typename Ptr::pointer*() { return &raw_; }  // NOLINT: implicit on purpose
 private:
  Ptr& p_;
  typename Ptr::pointer raw_ = nullptr;
};
template <class Ptr>
OutPtr<Ptr> out_ptr(Ptr& p) { return OutPtr<Ptr>(p); }

}  // namespace attnrec::storage::nats
