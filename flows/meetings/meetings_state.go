package meetings

import (
	"strconv"
	"strings"
	"time"

	"chibo/flows/core"
	"chibo/storage"
)

// The steps of the meeting flows (several share a name: each flow has its
// own steps).
const (
	stepDay       core.StepName = "day"       // mschedule: the day of the month
	stepTime      core.StepName = "time"      // mschedule, mnew, mmove
	stepQuiet     core.StepName = "quiet"     // mremind
	stepMember    core.StepName = "member"    // mremind
	stepSecretary core.StepName = "secretary" // mremind
	stepMorning   core.StepName = "morning"   // mremind
	stepTopic     core.StepName = "topic"     // mnew, mtopic
	stepDate      core.StepName = "date"      // mnew, mmove, mresched
	stepPlace     core.StepName = "place"     // mnew, mmove
	stepConfirm   core.StepName = "confirm"   // mcancel
	stepReason    core.StepName = "reason"    // excuse
	stepText      core.StepName = "text"      // excuse: another reason, typed
	stepSection   core.StepName = "section"   // mscore: the section at Index
	stepTimes     core.StepName = "times"     // mclose
)

// mtForm is what the meeting flows carry (mschedule, mremind, mnew, mmove,
// mtopic, mcancel, excuse, mclose, mresched); each uses the fields of its
// steps. Its JSON keys are those of the map kept before typed state.
type mtForm struct {
	Cell    uint64              `json:"cell,string,omitempty"`    // a planning flow's cell
	Meeting uint64              `json:"meeting,string,omitempty"` // the meeting a flow changes
	Kind    storage.MeetingKind `json:"kind,omitempty"`           // mnew
	Topic   string              `json:"topic,omitempty"`          // mnew
	Day     int                 `json:"day,string,omitempty"`     // mschedule: day of the month
	Date    core.Day            `json:"date,omitempty"`           // mnew, mmove: in the cell's zone
	At      time.Time           `json:"at,omitzero"`              // mnew, mmove: date and time
	// mremind: the choices made, as the buttons' values.
	Quiet     string `json:"quiet,omitempty"`
	Member    string `json:"member,omitempty"`
	Secretary string `json:"secretary,omitempty"`
	// mclose: the times being confirmed, in Unix seconds (0: not set).
	From int64 `json:"from,string,omitempty"`
	To   int64 `json:"to,string,omitempty"`
}

// scoreState is what scoring a meeting's quality carries.
type scoreState struct {
	Meeting uint64         `json:"meeting"`
	Index   int            `json:"index"`            // the manual section asked
	Points  map[string]int `json:"points,omitempty"` // by section id
}

// DecodeMap reads a scoring stored before typed state: "meeting", "i", and
// "p_<section>" the points given.
func (s *scoreState) DecodeMap(data map[string]string) error {
	s.Meeting, _ = strconv.ParseUint(data["meeting"], 10, 64)
	s.Index, _ = strconv.Atoi(data["i"])
	for k, v := range data {
		if id, ok := strings.CutPrefix(k, "p_"); ok {
			p, _ := strconv.Atoi(v)
			s.give(id, p)
		}
	}
	return nil
}

func (s *scoreState) give(section string, p int) {
	if s.Points == nil {
		s.Points = map[string]int{}
	}
	s.Points[section] = p
}

func form(c *core.Ctx) *mtForm { return core.StateOf[mtForm](c) }
