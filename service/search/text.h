// Text analysis for search: UTF-8 aware tokenising, lowercasing, folding of
// Latin diacritics ("Misérables" -> "miserables"), Greek and Cyrillic
// lowercasing, and an English stop-word list.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace attnrec::service {

// Splits text into folded tokens: runs of letters and digits; everything else
// separates. Invalid UTF-8 bytes separate too. Stop words are kept (the caller
// decides); tokens longer than 64 bytes are cut.
std::vector<std::string> tokenize(std::string_view text);

// Lowercases and folds one piece of text, keeping non-word characters.
std::string fold(std::string_view text);

// True for common English function words ("the", "of", "and", ...).
bool is_stop_word(std::string_view token);

// a and b differ by at most one typo: one inserted, deleted or substituted
// byte, or two adjacent bytes swapped (tokens are folded, so mostly ASCII).
bool within_one_edit(std::string_view a, std::string_view b);

}  // namespace attnrec::service
