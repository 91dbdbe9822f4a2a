// The settings of one training run: the network's hyper-parameters, the
// training recipe and the activation rule. Background jobs start from the
// service's defaults (Config::model, Config::train, Config::activate_always)
// with a caller's overrides applied by api/ or the command line.
#pragma once

#include <string>

#include "base/status.h"
#include "model/config.h"

namespace attnrec::service {

struct TrainOptions {
  model::Config model;       // num_items is taken from the data
  model::TrainConfig train;
  // Else: activate when the model beats popularity on validation and is not
  // worse than the live model.
  bool activate_always = false;

  // kInvalidArgument naming what is wrong (before any data is read).
  Status validate() const;
};

}  // namespace attnrec::service
