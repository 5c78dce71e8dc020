using Sprout.Data;

namespace Sprout.Tests.Data;

/// <summary>Text for language models: cleaning, the vocabulary, and subsequence batches.</summary>
public class TextTests
{
    [Fact]
    public void Cleaning_keeps_lower_case_letters_and_single_spaces()
    {
        Assert.Equal("the time machine by h g wells", TextCorpus.Clean("The Time Machine, by H. G. Wells [1898]\n\n"));
        Assert.Equal(["a", "b", " ", "c"], TextCorpus.Characters("ab c"));
        Assert.Equal(["ab", "c"], TextCorpus.Words("ab c"));
    }

    [Fact]
    public void The_vocabulary_orders_by_frequency_after_unk_and_maps_rare_tokens_to_unk()
    {
        var vocab = new Vocabulary(["b", "a", "b", "c", "b", "a"], minFrequency: 2, reserved: ["<pad>"]);
        Assert.Equal(4, vocab.Count);                                   // <unk>, <pad>, b, a
        Assert.Equal(["<unk>", "<pad>", "b", "a"], Enumerable.Range(0, 4).Select(vocab.Token));
        Assert.Equal([2, 3, 0], vocab.Encode(["b", "a", "c"]));        // c is too rare
        Assert.Throws<ArgumentOutOfRangeException>(() => vocab.Token(4));
    }

    [Fact]
    public void Sequence_batches_shift_targets_by_one_and_cover_disjoint_subsequences()
    {
        var corpus = Enumerable.Range(0, 200).ToArray();
        var batches = new SequenceBatches(corpus, batchSize: 4, steps: 5, seed: 3);
        var epoch = batches.NextEpoch().ToList();
        Assert.NotEmpty(epoch);
        var starts = new HashSet<float>();
        foreach (var (x, y) in epoch)
        {
            Assert.Equal(new Shape(4, 5), x.Shape);
            var xs = x.ToArray(); var ys = y.ToArray();
            for (int i = 0; i < xs.Length; i++) Assert.Equal(xs[i] + 1, ys[i]);
            for (int r = 0; r < 4; r++) Assert.True(starts.Add(xs[r * 5]), "a subsequence came twice in one epoch");
        }
        Assert.NotEqual(epoch[0].X.ToArray(), batches.NextEpoch().First().X.ToArray());   // a new offset and order
        Assert.Throws<ArgumentException>(() => new SequenceBatches([1, 2, 3], 4, 5));
    }
}
