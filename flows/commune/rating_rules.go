package commune

import (
	"errors"
	"math"
	"strings"

	"chibo/flows/core"
	"chibo/locales"
	"chibo/storage"
)

// The year's rating (issue 17), its rule file: per organization, the
// criteria ("bốn tốt", Resolution 21-NQ/TW 2022) with their labels, the
// figures that are each one's evidence with a threshold, and the overall
// levels. `chibo admin rating-rules --org N [--set FILE]` prints or stores
// it. The thresholds mark evidence; the committee decides.

// ratingFigure is a figure the rule file may name: its key, its label, and
// its value from the overview's figures of the cell (known false when
// there is nothing to count, e.g. a rate without anyone expected).
type ratingFigure struct {
	key, labelID string
	pct          bool
	value        func(f *core.CellFigures) (float64, bool)
}

func ratio(n, d int) (float64, bool) {
	if d == 0 {
		return 0, false
	}
	return float64(n) * 100 / float64(d), true
}

var ratingFigures = []ratingFigure{
	{"meetings_held", "rating.fig_meetings_held", false, func(f *core.CellFigures) (float64, bool) { return float64(f.YearHeld), true }},
	{"attendance_pct", "rating.fig_attendance_pct", true, func(f *core.CellFigures) (float64, bool) { return ratio(f.YearPresent, f.YearExpected) }},
	{"good_meetings", "rating.fig_good_meetings", false, func(f *core.CellFigures) (float64, bool) { return float64(f.YearGood), true }},
	{"art8_flagged", "rating.fig_art8_flagged", false, func(f *core.CellFigures) (float64, bool) { return float64(len(f.Flagged)), true }},
	{"tasks_on_time_pct", "rating.fig_tasks_on_time_pct", true, func(f *core.CellFigures) (float64, bool) {
		return ratio(f.Extra["tasks_on_time"], f.Extra["tasks_due"])
	}},
	{"faraway_reported_pct", "rating.fig_faraway_reported_pct", true, func(f *core.CellFigures) (float64, bool) {
		return ratio(f.YearCheckinsGiven, f.YearCheckinsOwed)
	}},
	{"comments_owed", "rating.fig_comments_owed", false, func(f *core.CellFigures) (float64, bool) { return float64(f.CommentsOwed), true }},
}

func figureOf(key string) *ratingFigure {
	for i := range ratingFigures {
		if ratingFigures[i].key == key {
			return &ratingFigures[i]
		}
	}
	return nil
}

// DefaultRatingRules are the rules of an organization without a file: the
// four criteria of a "chi bộ bốn tốt" and the four levels of the yearly
// rating of party organizations.
func DefaultRatingRules(cat *locales.Catalog) *storage.RatingRules {
	crit := func(key, id string, figs ...storage.RatingFigure) storage.RatingCriterion {
		return storage.RatingCriterion{Key: key, Label: core.LabelsIn(cat, id), Figures: figs}
	}
	fig := func(key, op string, v float64) storage.RatingFigure {
		return storage.RatingFigure{Figure: key, Op: op, Value: v}
	}
	level := func(key, id string) storage.RatingLevel {
		return storage.RatingLevel{Key: key, Label: core.LabelsIn(cat, id)}
	}
	return &storage.RatingRules{
		Criteria: []storage.RatingCriterion{
			crit("politics", "rating.crit_politics", fig("tasks_on_time_pct", ">=", 80)),
			crit("meetings", "rating.crit_meetings", fig("meetings_held", ">=", 12), fig("attendance_pct", ">=", 85)),
			crit("discipline", "rating.crit_discipline", fig("art8_flagged", "=", 0)),
			crit("members", "rating.crit_members", fig("faraway_reported_pct", ">=", 90), fig("comments_owed", "=", 0)),
		},
		Levels: []storage.RatingLevel{level("excellent", "rating.level_excellent"), level("good", "rating.level_good"), level("done", "rating.level_done"), level("not_done", "rating.level_not_done")},
	}
}

// RatingRulesOf is the organization's rule file, or the default.
func RatingRulesOf(tx store, cat *locales.Catalog, orgID uint64) (*storage.RatingRules, error) {
	r, err := tx.RatingRulesOf(orgID)
	if errors.Is(err, storage.ErrNotFound) {
		return DefaultRatingRules(cat), nil
	}
	return r, err
}

// Limits of a rule file.
const (
	maxCriteria       = 8
	maxCriterionFigs  = 6
	minLevels         = 2
	maxLevels         = 6
	ratingOverallWord = storage.RatingOverall
)

// ParseRatingRules checks a rule file strictly: known fields only, the
// criteria and levels named in every language with distinct keys, known
// figures, an operator and a threshold that can be met.
func ParseRatingRules(data []byte) (*storage.RatingRules, error) {
	var r storage.RatingRules
	if err := core.DecodeStrict(data, &r); err != nil {
		return nil, err
	}
	if len(r.Criteria) == 0 || len(r.Criteria) > maxCriteria {
		return nil, core.FormErr("rating.err_criteria", "Max", maxCriteria)
	}
	keys := map[string]bool{ratingOverallWord: true}
	for i, c := range r.Criteria {
		if err := core.CheckNamed(i+1, c.Key, c.Label); err != nil {
			return nil, err
		}
		if keys[c.Key] {
			return nil, core.FormErr("rating.err_dup_key", "Key", c.Key)
		}
		keys[c.Key] = true
		if len(c.Figures) == 0 || len(c.Figures) > maxCriterionFigs {
			return nil, core.FormErr("rating.err_figures", "Key", c.Key, "Max", maxCriterionFigs)
		}
		for _, f := range c.Figures {
			def := figureOf(f.Figure)
			if def == nil {
				return nil, core.FormErr("rating.err_figure", "Key", c.Key, "Figure", f.Figure, "Known", figureKeys())
			}
			if f.Op != ">=" && f.Op != "<=" && f.Op != "=" {
				return nil, core.FormErr("rating.err_op", "Key", c.Key, "Op", f.Op)
			}
			if math.IsNaN(f.Value) || f.Value < 0 || (def.pct && f.Value > 100) {
				return nil, core.FormErr("rating.err_value", "Key", c.Key, "Figure", f.Figure)
			}
		}
	}
	if len(r.Levels) < minLevels || len(r.Levels) > maxLevels {
		return nil, core.FormErr("rating.err_levels", "Min", minLevels, "Max", maxLevels)
	}
	levels := map[string]bool{}
	for i, l := range r.Levels {
		if err := core.CheckNamed(i+1, l.Key, l.Label); err != nil {
			return nil, err
		}
		if levels[l.Key] {
			return nil, core.FormErr("rating.err_dup_key", "Key", l.Key)
		}
		levels[l.Key] = true
	}
	return &r, nil
}

func figureKeys() string {
	keys := make([]string, len(ratingFigures))
	for i, f := range ratingFigures {
		keys[i] = f.key
	}
	return strings.Join(keys, ", ")
}

// met reports whether v meets the threshold.
func met(f storage.RatingFigure, v float64) bool {
	switch f.Op {
	case ">=":
		return v >= f.Value
	case "<=":
		return v <= f.Value
	}
	return v == f.Value
}
