package faraway

import (
	"strconv"
	"strings"

	"chibo/flows/core"
)

// The steps of the check-in form.
const (
	ckField  core.StepName = "field"  // the question at Index
	ckReview core.StepName = "review" // the answers, to send or redo
)

// ckForm is what a check-in carries between questions.
type ckForm struct {
	Period string `json:"period"` // "2006-01", the month reported on
	Index  int    `json:"index"`  // the question asked, in the form's order
	// Answers are the answers given so far, by field key.
	Answers map[string]string `json:"answers,omitempty"`
	// Prev are the answers offered to keep with one tap, by field key: last
	// month's, or the report being corrected. A key present with "" offers
	// to keep an empty answer of an optional question.
	Prev map[string]string `json:"prev,omitempty"`
	Fix  bool              `json:"fix,omitempty"`  // correcting a report already sent
	Same bool              `json:"same,omitempty"` // "same as last month": only the dues are asked
	// Why is the key of the dues question whose reason for not paying is
	// being typed.
	Why string `json:"why,omitempty"`
	// Lat and Lon are a location shared for the place question, kept only
	// where the cell keeps precise locations.
	Lat *float64 `json:"lat,omitempty"`
	Lon *float64 `json:"lon,omitempty"`
}

// DecodeMap reads a check-in stored before typed state: "p" the month, "i"
// the question, "a.<key>" the answers, "prev.<key>" the answers to keep,
// "fix" and "same" as "1", "why", and "lat"/"lon" as decimal text.
func (s *ckForm) DecodeMap(data map[string]string) error {
	s.Period, s.Why = data["p"], data["why"]
	s.Index, _ = strconv.Atoi(data["i"]) // a bad index asks the first question, as before
	s.Fix, s.Same = data["fix"] == "1", data["same"] == "1"
	for k, v := range data {
		if key, ok := strings.CutPrefix(k, "a."); ok {
			s.answer(key, v)
		} else if key, ok := strings.CutPrefix(k, "prev."); ok {
			if s.Prev == nil {
				s.Prev = map[string]string{}
			}
			s.Prev[key] = v
		}
	}
	if data["lat"] != "" {
		lat, err1 := strconv.ParseFloat(data["lat"], 64)
		lon, err2 := strconv.ParseFloat(data["lon"], 64)
		if err1 == nil && err2 == nil {
			s.Lat, s.Lon = &lat, &lon
		}
	}
	return nil
}

// answer records the answer to field key.
func (s *ckForm) answer(key, v string) {
	if s.Answers == nil {
		s.Answers = map[string]string{}
	}
	s.Answers[key] = v
}

// locate keeps a shared location as the release before typed state did:
// to six decimals (about 10 cm).
func (s *ckForm) locate(lat, lon float64) {
	round := func(x float64) *float64 {
		v, _ := strconv.ParseFloat(strconv.FormatFloat(x, 'f', 6, 64), 64)
		return &v
	}
	s.Lat, s.Lon = round(lat), round(lon)
}
