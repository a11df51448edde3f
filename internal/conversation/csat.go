package conversation

import (
	"context"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/parley-hq/parley/internal/apperr"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/store"
)

// MaxCSATComment caps a survey comment.
const MaxCSATComment = 2000

// Survey finds the survey a link's token belongs to; an unknown token is
// not found.
func (s *Service) Survey(ctx context.Context, token string) (model.CSATResponse, error) {
	if token == "" || len(token) > 100 {
		return model.CSATResponse{}, apperr.NotFound("survey")
	}
	r, err := s.store.SurveyByTokenHash(ctx, HashSurveyToken(token))
	if errors.Is(err, store.ErrNotFound) {
		return r, apperr.NotFound("survey")
	}
	return r, err
}

// AnswerSurvey records the customer's rating (1–5) and comment, once per
// conversation, as an event on the conversation by its contact.
func (s *Service) AnswerSurvey(ctx context.Context, token string, rating int, comment string) (model.CSATResponse, error) {
	comment = strings.TrimSpace(comment)
	fields := map[string]string{}
	if rating < 1 || rating > 5 {
		fields["rating"] = "must be from 1 to 5"
	}
	if utf8.RuneCountInString(comment) > MaxCSATComment || !utf8.ValidString(comment) {
		fields["comment"] = "must be at most 2000 characters"
	}
	if len(fields) > 0 {
		return model.CSATResponse{}, apperr.Invalid("the answer is not valid", fields)
	}
	survey, err := s.Survey(ctx, token)
	if err != nil {
		return survey, err
	}
	err = s.run(ctx, model.System, func(o *op) error {
		ok, err := o.tx.AnswerSurvey(ctx, survey.ID, rating, comment, o.now)
		if err != nil {
			return err
		}
		if !ok {
			return apperr.Conflict("this conversation has been rated already; thank you")
		}
		return o.event(ctx, survey.ConversationID, "csat.answered", nil, map[string]any{"rating": rating, "comment": comment})
	})
	if err != nil {
		return survey, err
	}
	return s.store.SurveyByConversation(ctx, survey.ConversationID)
}

// ConversationSurvey reads a conversation's survey, for those who may see it.
func (s *Service) ConversationSurvey(ctx context.Context, actor model.Actor, id int64) (model.CSATResponse, error) {
	if _, err := s.Get(ctx, actor, id); err != nil {
		return model.CSATResponse{}, err
	}
	r, err := s.store.SurveyByConversation(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return r, apperr.NotFound("survey for this conversation")
	}
	return r, err
}
