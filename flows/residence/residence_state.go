package residence

import (
	"strconv"
	"strings"

	"chibo/flows/core"
	"chibo/storage"
)

// The steps of the residence flows (several share a name: each flow has
// its own steps).
const (
	stepCell      core.StepName = "cell"      // rlink: the residence cell
	stepMember    core.StepName = "member"    // rlink: the member, for a residence secretary
	stepWorkplace core.StepName = "workplace" // rlink
	stepOrg       core.StepName = "org"       // rlink: the party organization at work
	stepDate      core.StepName = "date"      // rlink: the introduction; rreport: the activity
	stepStatus    core.StepName = "status"    // rlink
	stepConfirm   core.StepName = "confirm"   // rlink
	stepKind      core.StepName = "kind"      // rreport
	stepText      core.StepName = "text"      // rreport: an activity of another kind
	stepField     core.StepName = "field"     // rcomment: the question at Index
	stepReview    core.StepName = "review"    // rcomment
)

// linkState is what the link flow carries. Its JSON keys are those of the
// map kept before typed state.
type linkState struct {
	Mode          string                  `json:"mode"` // "req": a member asks; "add": a residence secretary registers
	Cell          uint64                  `json:"cell,string,omitempty"`
	Member        uint64                  `json:"member,string,omitempty"`
	Query         string                  `json:"q,omitempty"` // a name typed, whose matches are shown next
	PrevWorkplace string                  `json:"prev.workplace,omitempty"`
	PrevOrg       string                  `json:"prev.org,omitempty"`
	Workplace     string                  `json:"workplace,omitempty"`
	Org           string                  `json:"org,omitempty"`
	Date          core.Day                `json:"date,omitempty"`
	Status        storage.ResidenceStatus `json:"status,omitempty"`
}

// reportState is what reporting an activity carries. Its JSON keys are
// those of the map kept before typed state.
type reportState struct {
	Kind storage.ResidenceKind `json:"kind,omitempty"`
	Text string                `json:"text,omitempty"`
}

// commentState is what writing a residence comment carries.
type commentState struct {
	Cell    uint64            `json:"cell"`
	Member  uint64            `json:"member"`
	Year    int               `json:"year"`
	Index   int               `json:"index"`
	Answers map[string]string `json:"answers,omitempty"` // by field key
}

// DecodeMap reads a comment stored before typed state: "cell", "member",
// "year", "i" as decimal text and "a.<key>" the answers.
func (s *commentState) DecodeMap(data map[string]string) error {
	s.Cell, _ = strconv.ParseUint(data["cell"], 10, 64)
	s.Member, _ = strconv.ParseUint(data["member"], 10, 64)
	s.Year, _ = strconv.Atoi(data["year"])
	s.Index, _ = strconv.Atoi(data["i"])
	for k, v := range data {
		if key, ok := strings.CutPrefix(k, "a."); ok {
			s.answer(key, v)
		}
	}
	return nil
}

func (s *commentState) answer(key, v string) {
	if s.Answers == nil {
		s.Answers = map[string]string{}
	}
	s.Answers[key] = v
}
