package storage

// Bucket names, all in one place (the etcd habit): a bucket that is not listed
// here does not exist. Keys are noted next to each bucket.
var (
	bucketMeta        = []byte("meta")        // string key → value (schema version, poll offsets, settings)
	bucketOrgs        = []byte("orgs")        // id → Organization
	bucketCells       = []byte("cells")       // id → Cell
	bucketGroups      = []byte("groups")      // id → Group
	bucketGroupCells  = []byte("groupcells")  // cell id + group id → nil (index, schema v6)
	bucketLeaders     = []byte("leaders")     // leader's member id + group id → nil (index, schema v6)
	bucketRoleHolders = []byte("roleholders") // member id → nil: members with a role beyond member (index, schema v6)
	bucketCellLeaders = []byte("cellleaders") // cell id + member id → nil: secretaries and deputies of the cell (index, schema v6)
	bucketChatMenus   = []byte("chatmenus")   // "transport:chat" → the menu last set in that chat (opaque to storage)
	bucketMembers     = []byte("members")     // id → Member
	bucketContacts    = []byte("contacts")    // "transport:user" → member id (index, schema v2)
	bucketHomes       = []byte("homes")       // home cell id + member id → nil (index, schema v3)
	bucketPeriodCells = []byte("periodcells") // home cell id + member id → nil: members with a status for a period, now or before (index, schema v6)
	bucketNames       = []byte("names")       // 'c'+cell id or 'o'+organization id + folded name from a word on + 0 + member id → nil (index, schema v8; names.go)
	bucketInvites     = []byte("invites")     // token → Invite
	bucketConvs       = []byte("convs")       // "transport:chat:user" → Conv
	bucketOffers      = []byte("offers")      // "transport:chat" → Offer (last choices shown)
	bucketRefusals    = []byte("refusals")    // "transport:user" → Refusal
	bucketEvents      = []byte("events")      // event key → processed-at (dedupe)
	bucketOutbox      = []byte("outbox")      // id → OutboxItem
	bucketPending     = []byte("pending")     // id → nil: outbox rows not yet ended
	bucketOutboxKey   = []byte("outboxkey")   // idempotency key → outbox id
	bucketKeyExpiry   = []byte("keyexpiry")   // unix time the key can be forgotten + idempotency key → nil (schema v6)
	bucketAudit       = []byte("audit")       // id → AuditEntry, in order

	bucketMeetings         = []byte("meetings")         // id → Meeting: its header (with its roll until schema 7)
	bucketMarks            = []byte("marks")            // meeting id → the meeting's roll, compact (see marks.go; schema 10)
	bucketMeetingCodes     = []byte("meetingcodes")     // check-in code → meeting id
	bucketMeetingSettings  = []byte("meetingsettings")  // cell id → MeetingSettings
	bucketQualityTemplates = []byte("qualitytemplates") // organization id → QualityTemplate
	bucketMeetingIndex     = []byte("meetingindex")     // see meetingIndexKeys: active, regular by month, thematic by time

	bucketCheckins        = []byte("checkins")        // member id (8 bytes) + "yyyy-mm" → Checkin
	bucketCheckinCells    = []byte("checkincells")    // cell id + "yyyy-mm" + member id → nil (index of check-ins, schema v6)
	bucketCheckinSettings = []byte("checkinsettings") // cell id → CheckinSettings
	bucketCheckinForms    = []byte("checkinforms")    // organization id → CheckinTemplate
	bucketFarAway         = []byte("faraway")         // member id → FarAway
	bucketDues            = []byte("dues")            // member id (8 bytes) + "yyyy-mm" → Dues (schema v4)

	bucketResidenceLinks      = []byte("residencelinks")    // member id → ResidenceLink
	bucketResidenceCells      = []byte("residencecells")    // residence cell id + member id → nil (index of links)
	bucketResidenceReports    = []byte("residencereports")  // member id + "yyyy-mm-dd/kind" → ResidenceReport
	bucketResidenceComments   = []byte("residencecomments") // member id + "yyyy" → ResidenceComment
	bucketResidenceSettings   = []byte("residencesettings") // cell id → ResidenceSettings
	bucketResidenceForms      = []byte("residenceforms")    // organization id → ResidenceTemplate
	bucketResidenceAttendance = []byte("residenceatt")      // meeting id + member id → ResidenceAttendance
	bucketResidenceOpen       = []byte("residenceopen")     // meeting id + member id → nil: attendance not yet settled
)

// Buckets of the Zalo transport's work (issue 16).
var (
	bucketInviteCodes = []byte("invitecodes") // short code → invite token (index of Invite.Code)
	bucketFileLinks   = []byte("filelinks")   // random id → FileLink (files published at expiring links)
)

// Buckets of the commune's view (issue 17).
var (
	bucketCommuneRoles     = []byte("communeroles")     // organization id + role id → CommuneRole
	bucketCommuneHolders   = []byte("communeholders")   // member id + organization id → nil (index of CommuneRole.MemberID)
	bucketOrgCells         = []byte("orgcells")         // organization id + cell id → nil (index of cells, schema 10)
	bucketBriefingSettings = []byte("briefingsettings") // organization id → BriefingSettings
	bucketBriefings        = []byte("briefings")        // organization id + briefing id → Briefing
)

// Buckets of the cells' resolutions followed up (issue 17).
var (
	bucketTasks         = []byte("tasks")         // cell id + task id → Task
	bucketTaskAssignees = []byte("taskassignees") // assignee's member id + task id → cell id (index)
	bucketTaskDue       = []byte("taskdue")       // deadline (unix seconds) + cell id + task id → nil: open tasks (index)

	bucketFarGroups       = []byte("fargroups")       // id → FarGroup (tổ đảng of members working far away, across cells)
	bucketFarGroupMembers = []byte("fargroupmembers") // member id → far group id (index; a member is in one far group at most)
	bucketFarGroupLeaders = []byte("fargroupleaders") // leader's member id + far group id → nil (index)
	bucketFarGroupOrgs    = []byte("fargrouporgs")    // organization id + far group id → nil (index)
)

// Buckets of the year's rating (issue 17; rating.go).
var (
	bucketRatingRules = []byte("ratingrules") // organization id → RatingRules
	bucketRatings     = []byte("ratings")     // organization id + year (4 bytes) + cell id → CellRating
)

// Buckets of the due-work index (issue 15, schema 7; see due.go).
var (
	bucketDue         = []byte("due")         // unix time (8 bytes) + kind + 0 + subject (8 bytes) → nil
	bucketDueSubjects = []byte("duesubjects") // kind + 0 + subject → unix time (8 bytes) of its row in due
)

// The reserve of free pages (issue 15; reserve.go).
var bucketReserve = []byte("reserve") // sequence → filler record: pages held back from bbolt's free list

// allBuckets is the bucket registry: Open creates every bucket in it.
var allBuckets = [][]byte{
	bucketMeta, bucketOrgs, bucketCells, bucketGroups, bucketGroupCells, bucketLeaders, bucketRoleHolders, bucketCellLeaders, bucketChatMenus, bucketMembers, bucketContacts, bucketHomes, bucketPeriodCells, bucketNames,
	bucketInvites, bucketConvs, bucketOffers, bucketRefusals, bucketEvents,
	bucketOutbox, bucketPending, bucketOutboxKey, bucketKeyExpiry, bucketAudit,
	bucketMeetings, bucketMarks, bucketMeetingCodes, bucketMeetingSettings, bucketQualityTemplates, bucketMeetingIndex,
	bucketCheckins, bucketCheckinCells, bucketCheckinSettings, bucketCheckinForms, bucketFarAway, bucketDues,
	bucketResidenceLinks, bucketResidenceCells, bucketResidenceReports, bucketResidenceComments,
	bucketResidenceSettings, bucketResidenceForms, bucketResidenceAttendance, bucketResidenceOpen,
	bucketInviteCodes, bucketFileLinks,
	bucketCommuneRoles, bucketCommuneHolders, bucketOrgCells, bucketBriefingSettings, bucketBriefings,
	bucketTasks, bucketTaskAssignees, bucketTaskDue,
	bucketFarGroups, bucketFarGroupMembers, bucketFarGroupLeaders, bucketFarGroupOrgs,
	bucketDue, bucketDueSubjects,
	bucketRatingRules, bucketRatings,
	bucketReserve,
}
