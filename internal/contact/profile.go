package contact

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strings"
	"time"
	// Time zones are validated against the IANA database; embedding it keeps
	// validation the same on hosts without /usr/share/zoneinfo.
	_ "time/tzdata"

	"github.com/parley-hq/parley/internal/apperr"
	"github.com/parley-hq/parley/internal/model"
)

// ProfileFields are a contact's optional profile fields; in a patch, a nil
// field stays as it is and "" clears it.
type ProfileFields struct {
	Company          *string               `json:"company"`
	LifecycleStage   *model.LifecycleStage `json:"lifecycle_stage"`
	Language         *string               `json:"language"`
	TimeZone         *string               `json:"time_zone"`
	PreferredChannel *model.Channel        `json:"preferred_channel"`
	DoNotContact     *bool                 `json:"do_not_contact"`
}

// languageTag is a BCP 47 tag as people write them: "en", "pt-BR", "zh-Hant".
var languageTag = regexp.MustCompile(`^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8}){0,3}$`)

// validate trims the fields and names each wrong one in fields.
func (p *ProfileFields) validate(fields map[string]string) {
	if p.Company != nil {
		*p.Company = strings.TrimSpace(*p.Company)
		if len(*p.Company) > 200 {
			fields["company"] = "must be at most 200 characters"
		}
	}
	if p.LifecycleStage != nil && !p.LifecycleStage.Valid() {
		fields["lifecycle_stage"] = `must be one of lead, trial, customer, churned, or "" for none`
	}
	if p.Language != nil {
		*p.Language = strings.TrimSpace(*p.Language)
		if *p.Language != "" && !languageTag.MatchString(*p.Language) {
			fields["language"] = `must be a language tag like "en" or "pt-BR"`
		}
	}
	if p.TimeZone != nil {
		*p.TimeZone = strings.TrimSpace(*p.TimeZone)
		if *p.TimeZone != "" && !validTimeZone(*p.TimeZone) {
			fields["time_zone"] = `must be an IANA time zone name like "Europe/Paris" or "America/New_York"`
		}
	}
	if p.PreferredChannel != nil && *p.PreferredChannel != "" && !p.PreferredChannel.Valid() {
		fields["preferred_channel"] = `must be one of email, chat, api, phone, or "" for none`
	}
}

func validTimeZone(name string) bool {
	// "Local" would mean the server's zone, not the customer's.
	if name == "Local" || len(name) > 64 {
		return false
	}
	_, err := time.LoadLocation(name)
	return err == nil
}

// apply sets the given fields on c.
func (p ProfileFields) apply(c *model.Contact) {
	if p.Company != nil {
		c.Company = *p.Company
	}
	if p.LifecycleStage != nil {
		c.LifecycleStage = *p.LifecycleStage
	}
	if p.Language != nil {
		c.Language = *p.Language
	}
	if p.TimeZone != nil {
		c.TimeZone = *p.TimeZone
	}
	if p.PreferredChannel != nil {
		c.PreferredChannel = *p.PreferredChannel
	}
	if p.DoNotContact != nil {
		c.DoNotContact = *p.DoNotContact
	}
}

// parseAttributes reads an attributes patch: a JSON object.
func parseAttributes(raw json.RawMessage) (map[string]any, bool) {
	var m map[string]any
	d := json.NewDecoder(strings.NewReader(string(raw)))
	d.UseNumber()
	if d.Decode(&m) != nil || m == nil {
		return nil, false
	}
	return m, true
}

// checkAttributes validates attribute values against their definitions,
// naming each wrong key as attributes.<key>. A null value (removal) is
// allowed for any key, so values of a deleted definition can be cleared.
func checkAttributes(values map[string]any, defs map[string]model.AttributeDef, fields map[string]string) {
	for k, v := range values {
		field := "attributes." + k
		if v == nil {
			continue
		}
		d, ok := defs[k]
		if !ok {
			fields[field] = "is not a defined attribute; an admin defines attributes under /api/v1/contact-attributes"
			continue
		}
		if reason := checkValue(d, v); reason != "" {
			fields[field] = reason
		}
	}
}

func checkValue(d model.AttributeDef, v any) string {
	switch d.Type {
	case model.AttrText:
		s, ok := v.(string)
		if !ok {
			return "must be text"
		}
		if len(s) > 1000 {
			return "must be at most 1000 characters"
		}
	case model.AttrNumber:
		n, ok := v.(json.Number)
		if !ok {
			return "must be a number"
		}
		f, err := n.Float64()
		if err != nil || math.IsInf(f, 0) {
			return "must be a finite number"
		}
	case model.AttrDate:
		s, ok := v.(string)
		if _, err := time.Parse(time.DateOnly, s); !ok || err != nil {
			return `must be a date like "2026-03-09"`
		}
	case model.AttrBoolean:
		if _, ok := v.(bool); !ok {
			return "must be true or false"
		}
	case model.AttrChoice:
		s, ok := v.(string)
		if !ok {
			return "must be one of " + strings.Join(d.Choices, ", ")
		}
		for _, c := range d.Choices {
			if c == s {
				return ""
			}
		}
		return "must be one of " + strings.Join(d.Choices, ", ")
	default:
		return fmt.Sprintf("has an unknown type %q", d.Type)
	}
	return ""
}

// setAttributes sets the patch's keys over old; a null value removes a key.
func setAttributes(old json.RawMessage, patch map[string]any) json.RawMessage {
	m := decodeObject(old)
	for k, v := range patch {
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	b, _ := json.Marshal(m)
	return b
}

// mergedAway refuses changes to a contact that was merged into another,
// or erased.
func mergedAway(c model.Contact) error {
	if c.ErasedAt != nil {
		return apperr.Conflict(fmt.Sprintf("contact %d was erased; it cannot be changed", c.ID))
	}
	if c.MergedIntoID != nil {
		return apperr.Conflict(fmt.Sprintf("contact %d was merged into contact %d; unmerge it first", c.ID, *c.MergedIntoID))
	}
	return nil
}
