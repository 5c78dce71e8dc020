namespace Sprout.Training;

/// <summary>
/// BLEU as the book defines it to judge its translations (Papineni et al., 2002, in the book's form): with p_n the
/// fraction of the prediction's n-grams found in the label (each label n-gram matched at most as often as it occurs),
/// BLEU = exp(min(0, 1 − len_label / len_pred)) · ∏_{n=1}^{k} p_n^{1/2ⁿ}, n up to k or the prediction's length. 1 for a
/// perfect match; the first factor penalizes predictions shorter than the label, and the weights 1/2ⁿ make long
/// matching n-grams count more.
/// </summary>
public static class Bleu
{
    /// <summary>The score of space-separated <paramref name="prediction"/> against <paramref name="label"/> (the book's <c>bleu(pred_seq, label_seq, k)</c>).</summary>
    public static double Score(string prediction, string label, int k)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        ArgumentNullException.ThrowIfNull(label);
        return Score(Tokens(prediction), Tokens(label), k);
    }

    /// <summary>The score of <paramref name="prediction"/>'s tokens against <paramref name="label"/>'s, n-grams up to <paramref name="k"/>; 0 for an empty prediction.</summary>
    public static double Score(IReadOnlyList<string> prediction, IReadOnlyList<string> label, int k)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        ArgumentNullException.ThrowIfNull(label);
        if (k <= 0) throw new ArgumentOutOfRangeException(nameof(k), k, "Expected the longest n-gram to count, k ≥ 1 (the book uses 2).");
        if (prediction.Count == 0) return 0;
        double score = Math.Exp(Math.Min(0, 1 - (double)label.Count / prediction.Count));
        for (int n = 1; n <= Math.Min(k, prediction.Count); n++)
            score *= Math.Pow((double)Matches(prediction, label, n) / (prediction.Count - n + 1), Math.Pow(0.5, n));
        return score;
    }

    /// <summary>How many of the prediction's n-grams occur in the label, each label n-gram used at most once per occurrence.</summary>
    private static int Matches(IReadOnlyList<string> prediction, IReadOnlyList<string> label, int n)
    {
        var available = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i + n <= label.Count; i++)
        {
            string gram = Gram(label, i, n);
            available[gram] = available.GetValueOrDefault(gram) + 1;
        }
        int matches = 0;
        for (int i = 0; i + n <= prediction.Count; i++)
        {
            string gram = Gram(prediction, i, n);
            if (available.GetValueOrDefault(gram) == 0) continue;
            available[gram]--;
            matches++;
        }
        return matches;
    }

    /// <summary>Tokens joined by a character that no whitespace-split token holds.</summary>
    private static string Gram(IReadOnlyList<string> tokens, int start, int n) => string.Join('\n', Enumerable.Range(start, n).Select(i => tokens[i]));

    private static string[] Tokens(string text) => text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
}
