using Sprout.Training;

namespace Sprout.Tests.Training;

/// <summary>BLEU against values computed by hand from the book's definition, including the book's own printed score.</summary>
public class BleuTests
{
    [Fact]
    public void The_books_translation_scores_as_the_book_prints_it()
    {
        // p1 = 3/4, p2 = 1/3 ("il est"); equal lengths: (3/4)^(1/2) · (1/3)^(1/4) = 0.658 as the book prints.
        Assert.Equal(Math.Sqrt(0.75) * Math.Pow(1.0 / 3, 0.25), Bleu.Score("il est riche .", "il est calme .", 2), 12);
        Assert.Equal(0.658, Bleu.Score("il est riche .", "il est calme .", 2), 3);
        Assert.Equal(1.0, Bleu.Score("je suis chez moi .", "je suis chez moi .", 2));
    }

    [Fact]
    public void Short_predictions_pay_the_brevity_factor_and_label_ngrams_match_at_most_as_often_as_they_occur()
    {
        // Both n-grams match, but 2 tokens against 5: exp(1 − 5/2).
        Assert.Equal(Math.Exp(-1.5), Bleu.Score("je suis", "je suis chez moi .", 2), 12);
        // "the" three times against one "the" in the label: p1 = 1/3, no brevity penalty for a longer prediction.
        Assert.Equal(Math.Pow(1.0 / 3, 0.5), Bleu.Score(["the", "the", "the"], ["the", "cat"], 1), 12);
        // No matching bigram makes the score 0; n stops at the prediction's length (a one-token prediction has no bigrams).
        Assert.Equal(0.0, Bleu.Score("ils entendent .", "ils regardent .", 2));
        Assert.Equal(Math.Exp(1 - 3.0) * Math.Pow(1.0, 0.5), Bleu.Score("va", "va au lit", 4), 12);
        // Extra spaces separate nothing.
        Assert.Equal(Bleu.Score("il est riche .", "il est calme .", 2), Bleu.Score("  il est  riche . ", "il est calme .", 2));
    }

    [Fact]
    public void Empty_predictions_score_zero_and_a_k_below_one_is_refused()
    {
        Assert.Equal(0.0, Bleu.Score("", "va !", 2));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Bleu.Score("va !", "va !", 0));
        Assert.Contains("k ≥ 1", e.Message);
    }
}
