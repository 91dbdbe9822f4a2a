// Training losses on the encoder output of ONE sequence. H: [n, d] row-major
// (row i = state after position i), targets[i] = the next item (1..N).
// E: the item embedding table [N + 1, d] (Params::net().item_emb; shared by
// input and output). Each function returns the loss summed over the n
// positions, writes dH = scale * dLoss/dH (assigned) and accumulates
// scale * dLoss/dE into dE (the table's gradient, Params::mut().item_emb).
//
//   bce:        -log s(h.e_y) - sum_j log(1 - s(h.e_neg_j)), k negatives per
//               position (paper; k = 1 in the reference implementation)
//   ce:         softmax cross-entropy over all N items ("SASRec+")
//   sampled_ce: softmax cross-entropy over {target} + k negatives shared by
//               all positions of the sequence
//
// `weights` (optional, [n]): position i's loss and gradient are multiplied by
// weights[i] (the loss weight of its target's event type, type_policy.h);
// empty = every weight 1.
#pragma once

#include <cstdint>
#include <span>

#include "model/tensor.h"

namespace attnrec::model {

template <class T>
struct LossScratch {
  Mat<T> logits;   // [n, N] or [n, k]
  Mat<T> cand;     // [k, d] gathered negative embeddings
  Mat<T> dcand;    // [k, d]
};

// negatives: [n * k], row i holds position i's k negatives.
template <class T>
T bce_loss(const CMatMap<T>& E, CRef<T> H, std::span<const int32_t> targets,
           std::span<const int32_t> negatives, int k, T scale, MRef<T> dH, MatMap<T>& dE,
           LossScratch<T>& s, std::span<const float> weights = {});

template <class T>
T ce_loss(const CMatMap<T>& E, CRef<T> H, std::span<const int32_t> targets, T scale, MRef<T> dH,
          MatMap<T>& dE, LossScratch<T>& s, std::span<const float> weights = {});

// negatives: [k], none of them equal to any target.
template <class T>
T sampled_ce_loss(const CMatMap<T>& E, CRef<T> H, std::span<const int32_t> targets,
                  std::span<const int32_t> negatives, T scale, MRef<T> dH, MatMap<T>& dE,
                  LossScratch<T>& s, std::span<const float> weights = {});

}  // namespace attnrec::model
