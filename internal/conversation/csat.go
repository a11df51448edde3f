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

// AnswerSurvey records the customer's rating (1–5) and comment from the
// survey link, as an event on the conversation. One answer per
// conversation: for model.CSATChangeWindow after the first answer the
// customer may change it (a mis-click, a comment added on the thank-you
// page); after that it is final and a new answer is a conflict. The same
// answer again changes nothing.
func (s *Service) AnswerSurvey(ctx context.Context, token string, rating int, comment string) (model.CSATResponse, error) {
	if err := validAnswer(rating, comment); err != nil {
		return model.CSATResponse{}, err
	}
	survey, err := s.Survey(ctx, token)
	if err != nil {
		return survey, err
	}
	return s.answerSurvey(ctx, survey, rating, comment)
}

// AnswerSurveyOf answers a conversation's survey for a caller who has
// proved they are its customer (the chat widget's visitor).
func (s *Service) AnswerSurveyOf(ctx context.Context, conversationID int64, rating int, comment string) (model.CSATResponse, error) {
	if err := validAnswer(rating, comment); err != nil {
		return model.CSATResponse{}, err
	}
	survey, err := s.store.SurveyByConversation(ctx, conversationID)
	if errors.Is(err, store.ErrNotFound) {
		return survey, apperr.NotFound("survey for this conversation")
	}
	if err != nil {
		return survey, err
	}
	return s.answerSurvey(ctx, survey, rating, strings.TrimSpace(comment))
}

// SurveyOf reads a conversation's survey for its customer (nil: none sent).
func (s *Service) SurveyOf(ctx context.Context, conversationID int64) (*model.CSATResponse, error) {
	r, err := s.store.SurveyByConversation(ctx, conversationID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	return &r, err
}

func validAnswer(rating int, comment string) error {
	comment = strings.TrimSpace(comment)
	fields := map[string]string{}
	if rating < 1 || rating > 5 {
		fields["rating"] = "must be from 1 to 5"
	}
	if utf8.RuneCountInString(comment) > MaxCSATComment || !utf8.ValidString(comment) {
		fields["comment"] = "must be at most 2000 characters"
	}
	if len(fields) > 0 {
		return apperr.Invalid("the answer is not valid", fields)
	}
	return nil
}

func (s *Service) answerSurvey(ctx context.Context, survey model.CSATResponse, rating int, comment string) (model.CSATResponse, error) {
	comment = strings.TrimSpace(comment)
	err := s.run(ctx, model.System, func(o *op) error {
		cur, err := o.tx.SurveyByIDTx(ctx, survey.ID)
		if err != nil {
			return err
		}
		if cur.AnsweredAt == nil {
			ok, err := o.tx.AnswerSurvey(ctx, survey.ID, rating, comment, o.now)
			if err != nil {
				return err
			}
			if !ok {
				return apperr.Conflict("this conversation has been rated already; thank you")
			}
			return o.event(ctx, survey.ConversationID, "csat.answered", nil, map[string]any{"rating": rating, "comment": comment})
		}
		// A second rating link clicked without a comment keeps the comment.
		if comment == "" {
			comment = cur.Comment
		}
		if cur.Rating != nil && *cur.Rating == rating && cur.Comment == comment {
			return nil
		}
		ok, err := o.tx.ChangeSurveyAnswer(ctx, survey.ID, rating, comment, o.now.Add(-model.CSATChangeWindow), o.now)
		if err != nil {
			return err
		}
		if !ok {
			return apperr.Conflict("this conversation has been rated already and the answer can no longer be changed; thank you")
		}
		return o.event(ctx, survey.ConversationID, "csat.changed",
			map[string]any{"rating": cur.Rating, "comment": cur.Comment}, map[string]any{"rating": rating, "comment": comment})
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
