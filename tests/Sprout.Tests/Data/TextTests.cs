using Sprout.Data;

namespace Sprout.Tests.Data;

/// <summary>Text for language models: cleaning, the vocabulary, and subsequence batches.</summary>
public sealed class TextTests : TemporaryFolderTests
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
        Assert.Equal(["b", "a", "<unk>", "<pad>"], vocab.Decode([2, 3, 0, 1]));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => vocab.Decode([2, 7]));
        Assert.Contains("ids 0..3", e.Message);
    }

    [Fact]
    public void Reserved_tokens_count_once_even_when_repeated_or_unk()
    {
        var vocab = new Vocabulary(["x", "<pad>", "x"], reserved: ["<pad>", "<bos>", "<pad>", "<unk>"]);
        Assert.Equal(["<unk>", "<pad>", "<bos>", "x"], vocab.Decode(Enumerable.Range(0, vocab.Count)));
        Assert.Equal([1, 2, 3, 0], vocab.Encode(["<pad>", "<bos>", "x", "y"]));
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

    [Fact]
    public void Sequential_batches_continue_each_row_from_one_batch_to_the_next_as_the_books_sequential_sampler()
    {
        var corpus = Enumerable.Range(0, 203).ToArray();   // ids equal positions: every value says where it came from
        var batches = new SequenceBatches(corpus, batchSize: 4, steps: 5, seed: 3, Partitioning.Sequential);
        Assert.Equal(Partitioning.Sequential, batches.Partitioning);
        var epoch = batches.NextEpoch().ToList();
        var first = epoch[0].X.ToArray();
        int offset = (int)first[0], stream = (int)first[5] - offset;   // row 1 starts one stream later
        Assert.InRange(offset, 0, 4);
        Assert.Equal((203 - offset - 1) / 4, stream);
        Assert.Equal(stream / 5, epoch.Count);   // every whole window of the streams, in order
        for (int k = 0; k < epoch.Count; k++)
        {
            var (x, y) = epoch[k];
            var xs = x.ToArray(); var ys = y.ToArray();
            for (int row = 0; row < 4; row++)
                for (int t = 0; t < 5; t++)
                {
                    Assert.Equal(offset + row * stream + k * 5 + t, xs[row * 5 + t]);   // batch k is window k of stream row
                    Assert.Equal(xs[row * 5 + t] + 1, ys[row * 5 + t]);
                }
        }
        var offsets = Enumerable.Range(0, 10).Select(_ => batches.NextEpoch().First().X.ToArray()[0]).ToHashSet();
        Assert.True(offsets.Count > 1, "every epoch started at the same offset");   // each epoch draws its own
        Assert.Throws<ArgumentOutOfRangeException>(() => new SequenceBatches(corpus, 4, 5, 0, (Partitioning)7));
    }

    [Fact]
    public void Padding_cuts_long_sequences_fills_short_ones_and_gives_their_valid_lengths()
    {
        var (ids, valid) = SequencePadding.PadOrTruncate([[5, 6, 7, 8, 9], [3], [4, 4, 4]], steps: 3, padId: 1);
        Assert.Equal(new Shape(3, 3), ids.Shape);
        Assert.Equal([5f, 6, 7, 3, 1, 1, 4, 4, 4], ids.ToArray());
        Assert.Equal([3f, 1, 3], valid.ToArray());
        Assert.Throws<ArgumentException>(() => SequencePadding.PadOrTruncate([], 3, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => SequencePadding.PadOrTruncate([[1]], 0, 1));
    }

    [Fact]
    public void Any_text_file_or_folder_loads_cleaned_and_a_missing_one_says_where_it_looked()
    {
        File.WriteAllText(PathOf("b.md"), "Second, FILE.");
        File.WriteAllText(PathOf("a.txt"), "The first\nfile!");
        File.WriteAllText(PathOf("skip.dat"), "binary index");   // not text: left out
        Assert.Equal("the first file second file", TextCorpus.Load(Folder));   // sorted by name
        Assert.Equal("second file", TextCorpus.Load(PathOf("b.md")));
        var missing = Assert.Throws<FileNotFoundException>(() => TextCorpus.Load(PathOf("none")));
        Assert.Contains(PathOf("none"), missing.Message);
        var empty = Directory.CreateDirectory(PathOf("empty")).FullName;
        Assert.Contains("holds no text files", Assert.Throws<FileNotFoundException>(() => TextCorpus.Load(empty)).Message);
    }
}
