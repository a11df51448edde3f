package email

import (
	"regexp"
	"strings"
)

// Patterns that start the quoted history of a reply, from the clients that
// write them: Gmail and Apple Mail ("On … wrote:", in a few languages),
// Outlook ("-----Original Message-----", a rule of underscores, or a
// From:/Sent: header block).
var (
	attribution = regexp.MustCompile(`(?i)^(on\s.+(wrote|a écrit|schrieb)\s*:|le\s.+a écrit\s*:|am\s.+schrieb\s*:|el\s.+escribió\s*:|.+\d{4}.+<[^>]+@[^>]+>\s*:)\s*$`)
	originalMsg = regexp.MustCompile(`(?i)^\s*-{2,}\s*(original message|ursprüngliche nachricht|message d'origine)\s*-{2,}\s*$`)
	outlookRule = regexp.MustCompile(`^\s*_{20,}\s*$`)
	headerFrom  = regexp.MustCompile(`(?i)^\*?(from|von|de)\s*:\*?\s`)
	headerSent  = regexp.MustCompile(`(?i)^\*?(sent|date|gesendet|envoyé)\s*:\*?\s`)
	mobileSig   = regexp.MustCompile(`(?i)^(sent from my (iphone|ipad|android|mobile|galaxy)|sent from (outlook|mail) for|get outlook for|envoyé de mon|von meinem .* gesendet)`)
	forwardMark = regexp.MustCompile(`(?i)^\s*-{3,}\s*(forwarded message|begin forwarded message|weitergeleitete nachricht)`)
)

// FoldText splits a plain-text body into what the sender wrote and what is
// folded away below it: quoted history, then signature. Forwarded content
// is what the sender means to show, so it is never folded. A message that
// would be all fold is kept whole.
func FoldText(text string) (main, folded string) {
	lines := strings.Split(text, "\n")
	cut := len(lines)
	for i := 0; i < len(lines); i++ {
		line := strings.TrimRight(lines[i], " \t")
		if forwardMark.MatchString(line) || strings.HasPrefix(line, "Begin forwarded message:") {
			break
		}
		if isQuoteStart(lines, i) {
			cut = i
			break
		}
	}
	// A signature above the quote folds too.
	for i := 0; i < cut; i++ {
		line := strings.TrimRight(lines[i], "\t")
		if line == "-- " || line == "--" || mobileSig.MatchString(strings.TrimSpace(line)) {
			if i > 0 {
				cut = i
			}
			break
		}
	}
	// A trailing block of "> " lines (with the attribution line above it
	// possibly wrapped) is history even without a recognised attribution.
	if cut == len(lines) {
		end := len(lines)
		for end > 0 && strings.TrimSpace(lines[end-1]) == "" {
			end--
		}
		start := end
		for start > 0 && (strings.HasPrefix(lines[start-1], ">") || strings.TrimSpace(lines[start-1]) == "") {
			start--
		}
		for start < end && !strings.HasPrefix(lines[start], ">") {
			start++
		}
		if start < end {
			cut = start
		}
	}
	main = strings.TrimRight(strings.Join(lines[:cut], "\n"), " \t\n")
	folded = strings.Trim(strings.Join(lines[cut:], "\n"), "\n")
	if strings.TrimSpace(main) == "" {
		return strings.TrimSpace(text), ""
	}
	return strings.TrimLeft(main, "\n"), folded
}

func isQuoteStart(lines []string, i int) bool {
	line := strings.TrimSpace(lines[i])
	if line == "" {
		return false
	}
	if originalMsg.MatchString(line) || outlookRule.MatchString(line) {
		return true
	}
	if attribution.MatchString(line) && len(line) < 300 {
		return true
	}
	// Gmail wraps long attributions onto two lines.
	if i+1 < len(lines) && strings.HasPrefix(strings.ToLower(line), "on ") {
		joined := line + " " + strings.TrimSpace(lines[i+1])
		if attribution.MatchString(joined) {
			return true
		}
	}
	// Outlook's header block: From: then Sent:/Date: within three lines.
	if headerFrom.MatchString(line) {
		for j := i + 1; j < len(lines) && j <= i+3; j++ {
			if headerSent.MatchString(strings.TrimSpace(lines[j])) {
				return true
			}
		}
	}
	return false
}
