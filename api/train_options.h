// The body of POST /v1/admin/train: overrides of the service's training
// defaults, e.g. {"epochs":20,"max_minutes":5,"loss":"ce","dim":64,
// "attention":"local","window":50,"activate":"always"}. Every key is checked; unknown keys are refused.
#pragma once

#include <boost/json/object.hpp>

#include "api/decode.h"
#include "service/training/train_options.h"

namespace attnrec::api {

// Applies the body's overrides to *options (which holds the defaults);
// the 422 to send for an unknown key or a bad value, naming the key.
MaybeError decode_train_options(const boost::json::object& body, service::TrainOptions* options);

}  // namespace attnrec::api
