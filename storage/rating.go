package storage

import (
	"encoding/binary"
	"time"
)

// The year's rating of a cell (issue 17): the organization's rule file
// (criteria, the figures that feed each and their thresholds, the overall
// levels) and the standing committee's decisions. chibo never rates: a
// decision names who took it; a later one is an amendment and the first
// is kept.

// RatingRules is an organization's rule file for the year's rating.
type RatingRules struct {
	Criteria []RatingCriterion `json:"criteria"`
	Levels   []RatingLevel     `json:"levels"`
}

// RatingCriterion is one criterion ("bốn tốt") and the figures that are its
// evidence.
type RatingCriterion struct {
	Key     string            `json:"key"`
	Label   map[string]string `json:"label"`
	Figures []RatingFigure    `json:"figures"`
}

// RatingFigure is a figure and its threshold: Op is ">=", "<=" or "=".
type RatingFigure struct {
	Figure string  `json:"figure"`
	Op     string  `json:"op"`
	Value  float64 `json:"value"`
}

// RatingLevel is an overall level (hoàn thành xuất sắc nhiệm vụ …).
type RatingLevel struct {
	Key   string            `json:"key"`
	Label map[string]string `json:"label"`
}

// CellRating is the committee's rating of a cell for a year: every
// decision in order, the first one and each amendment.
type CellRating struct {
	OrgID     uint64           `json:"org"`
	CellID    uint64           `json:"cell"`
	Year      int              `json:"year"`
	Decisions []RatingDecision `json:"decisions"`
}

// RatingDecision is one decision on one field of the rating: a criterion's
// key (Met) or "overall" (Level).
type RatingDecision struct {
	Field string `json:"field"`
	Met   bool   `json:"met,omitempty"`
	Level string `json:"level,omitempty"`
	// Labels are, by language, the words the rules gave what was decided
	// when it was: the criterion's for a criterion, the level's for the
	// overall. A later rule file does not change what a decision said.
	Labels map[string]string `json:"labels,omitempty"`
	By     uint64            `json:"by"`
	At     time.Time         `json:"at"`
}

// RatingOverall is the field of the overall level.
const RatingOverall = "overall"

// Current is the decision in force on field and the first one, nil when
// none was taken.
func (r *CellRating) Current(field string) (cur, first *RatingDecision) {
	for i := range r.Decisions {
		if r.Decisions[i].Field != field {
			continue
		}
		if first == nil {
			first = &r.Decisions[i]
		}
		cur = &r.Decisions[i]
	}
	return cur, first
}

// RatingRulesOf is the organization's rule file, ErrNotFound when it has
// none (the default applies).
func (tx *Tx) RatingRulesOf(orgID uint64) (*RatingRules, error) {
	return getJSON[RatingRules](tx.tx.Bucket(bucketRatingRules), itob(orgID))
}

// PutRatingRules stores the organization's rule file.
func (tx *Tx) PutRatingRules(orgID uint64, r *RatingRules) error {
	return putJSON(tx.tx.Bucket(bucketRatingRules), itob(orgID), r)
}

func ratingKey(orgID uint64, year int, cellID uint64) []byte {
	k := make([]byte, 0, 20)
	k = append(k, itob(orgID)...)
	k = binary.BigEndian.AppendUint32(k, uint32(year))
	return append(k, itob(cellID)...)
}

// CellRatingOf is the cell's rating for the year, ErrNotFound when none.
func (tx *Tx) CellRatingOf(orgID uint64, year int, cellID uint64) (*CellRating, error) {
	return getJSON[CellRating](tx.tx.Bucket(bucketRatings), ratingKey(orgID, year, cellID))
}

// PutCellRating stores a cell's rating.
func (tx *Tx) PutCellRating(r *CellRating) error {
	return putJSON(tx.tx.Bucket(bucketRatings), ratingKey(r.OrgID, r.Year, r.CellID), r)
}
