using Sprout.Data;

namespace Sprout.Tests.Data;

public class DataLoaderTests
{
    private static (Tensor X, Tensor Y) Numbered(int n) => (Tensor.Arange(n * 2).Reshape(n, 2), Tensor.Arange(n));

    [Fact]
    public void Batches_cover_every_sample_once_in_order_without_shuffle()
    {
        var (x, y) = Numbered(10);
        var loader = new DataLoader(x, y, batchSize: 4);
        Assert.Equal(3, loader.BatchCount);
        var seen = new List<float>();
        var sizes = new List<int>();
        foreach (var b in loader)
        {
            sizes.Add(b.Size);
            seen.AddRange(b.Labels.ToArray());
            for (int i = 0; i < b.Size; i++) Assert.Equal(b.Labels[i] * 2, b.Data[i, 0]);
        }
        Assert.Equal([4, 4, 2], sizes);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (float)i), seen);
    }

    [Fact]
    public void Shuffle_is_a_reproducible_permutation_that_changes_each_epoch()
    {
        var (x, y) = Numbered(50);
        List<float> Epoch(DataLoader l) => [.. l.SelectMany(b => b.Labels.ToArray())];
        var a = new DataLoader(x, y, 8, shuffle: true, seed: 3);
        var b = new DataLoader(x, y, 8, shuffle: true, seed: 3);
        var a1 = Epoch(a);
        Assert.Equal(a1, Epoch(b));
        Assert.Equal(Enumerable.Range(0, 50).Select(i => (float)i), a1.Order());
        Assert.NotEqual(Enumerable.Range(0, 50).Select(i => (float)i), a1);
        Assert.NotEqual(a1, Epoch(a));
    }

    [Theory]
    [InlineData(1, true)]
    [InlineData(2, true)]
    [InlineData(2, false)]
    public void Large_batches_hold_the_right_samples_however_they_are_gathered(int threads, bool prefetch)
    {
        // 300 features × batches of 256: big enough to be copied over threads; with one kernel thread and prefetch,
        // the next batch is gathered in the background instead.
        const int n = 700, features = 300;
        var x = Tensor.Arange(n * features).Reshape(n, features);
        var y = Tensor.Arange(n);
        int before = Threads.Count;
        try
        {
            Threads.Count = threads;
            var loader = new DataLoader(x, y, 256, shuffle: true, seed: 5, prefetch: prefetch);
            foreach (var b in loader) break;   // an epoch left early: its prefetch must not spill into the next one
            var labels = new List<float>();
            foreach (var b in loader)
            {
                var data = b.Data.ToArray();
                for (int i = 0; i < b.Size; i++)
                    for (int f = 0; f < features; f += 37)
                        Assert.Equal(b.Labels[i] * features + f, data[i * features + f]);
                labels.AddRange(b.Labels.ToArray());
            }
            Assert.Equal(Enumerable.Range(0, n).Select(i => (float)i), labels.Order());
        }
        finally { Threads.Count = before; }
    }

    [Fact]
    public void DropLast_drops_the_partial_batch()
    {
        var (x, y) = Numbered(10);
        var loader = new DataLoader(x, y, 4, dropLast: true);
        Assert.Equal(2, loader.BatchCount);
        Assert.All(loader, b => Assert.Equal(4, b.Size));
    }

    [Fact]
    public void Buffers_are_reused_across_epochs_rather_than_allocated_per_batch()
    {
        var (x, y) = Numbered(12);
        var loader = new DataLoader(x, y, 4, prefetch: false);
        var first = loader.Select(b => b.Data).ToList();
        var second = loader.Select(b => b.Data).ToList();
        Assert.Same(first[0], second[0]);
        Assert.Same(first[0], first[2]);
        Assert.NotSame(first[0], first[1]);
    }

    [Fact]
    public void Several_tensors_are_batched_and_shuffled_together_as_a_translation_pair_with_valid_lengths()
    {
        // Source ids (N, 3), target ids (N, 3), and each side's valid length: sample i holds i in every tensor.
        int n = 11;
        var source = Tensor.Arange(n).Reshape(n, 1).Repeat(1, 3);
        var target = source * 10f;
        var sourceValid = Tensor.Arange(n) + 100f;
        var targetValid = Tensor.Arange(n) + 200f;
        var loader = new DataLoader([source, target, sourceValid, targetValid], batchSize: 4, shuffle: true, seed: 3);
        var seen = new List<float>();
        foreach (var prefetched in new[] { true, false })
            foreach (var b in new DataLoader([source, target, sourceValid, targetValid], 4, shuffle: true, seed: 3, prefetch: prefetched))
            {
                Assert.Equal(2, b.More.Count);
                Assert.Same(b.More[1], b[3]);
                for (int i = 0; i < b.Size; i++)
                {
                    float id = b.Data[i, 0];
                    Assert.Equal(10f * id, b.Labels[i, 2]);       // every tensor's row i is the same sample
                    Assert.Equal(100f + id, b[2][i]);
                    Assert.Equal(200f + id, b[3][i]);
                    if (prefetched) seen.Add(id);
                }
            }
        Assert.Equal(Enumerable.Range(0, n).Select(i => (float)i), seen.Order());   // each sample once
        Assert.NotEqual(Enumerable.Range(0, n).Select(i => (float)i), seen);        // in a shuffled order
        var first = loader.First();
        Assert.Throws<ArgumentOutOfRangeException>(() => first[4]);
        Assert.Empty(new DataLoader(source, target, 4).First().More);              // two tensors: nothing more
    }

    [Fact]
    public void Several_tensors_must_share_the_sample_count_and_be_at_least_two()
    {
        var e = Assert.Throws<ArgumentException>(() => new DataLoader([Tensor.Zeros(5, 2), Tensor.Zeros(5), Tensor.Zeros(4)], 2));
        Assert.Contains("tensor 2 has shape (4,)", e.Message);
        Assert.Throws<ArgumentException>(() => new DataLoader([Tensor.Zeros(5, 2)], 2));
    }

    [Fact]
    public void Mismatched_sample_counts_are_rejected()
    {
        var e = Assert.Throws<ArgumentException>(() => new DataLoader(Tensor.Zeros(5, 2), Tensor.Zeros(4), 2));
        Assert.Contains("(5, 2)", e.Message);
        Assert.Contains("(4,)", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new DataLoader(Tensor.Zeros(5, 2), Tensor.Zeros(5), 0));
    }
}
