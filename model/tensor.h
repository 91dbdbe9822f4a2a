// Tensor types of the model: Eigen matrices in ROW-MAJOR order, one row per
// sequence position (or per item for embedding tables), so that a
// position's features are contiguous and `topRows(n)` of a buffer sized for
// the maximum length is itself a contiguous [n, cols] matrix.
#pragma once

#include <Eigen/Core>

namespace attnrec::model {

template <class T>
using Mat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <class T>
using RowVec = Eigen::Matrix<T, 1, Eigen::Dynamic>;  // one row (bias, LN gain)
template <class T>
using ColVec = Eigen::Matrix<T, Eigen::Dynamic, 1>;  // one value per row

template <class T>
using MatMap = Eigen::Map<Mat<T>>;
template <class T>
using CMatMap = Eigen::Map<const Mat<T>>;

// Views accepted by the layer functions: any row-major block with unit inner
// stride (a whole matrix, `topRows(n)`, `middleCols(h * dh, dh)`, ...).
template <class T>
using MRef = Eigen::Ref<Mat<T>>;
template <class T>
using CRef = Eigen::Ref<const Mat<T>>;

// dst.row(i) = row for every i: the bias a product is then accumulated onto
// (Eigen's Replicate would compute an index modulo per coefficient).
template <class Dst, class Row>
void fill_rows(Dst&& dst, const Row& row) {
  for (Eigen::Index i = 0; i < dst.rows(); ++i) dst.row(i) = row;
}

}  // namespace attnrec::model
