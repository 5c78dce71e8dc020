using System.Collections.Concurrent;
using Sprout.Data;

namespace Sprout.Tests.Data;

public class SampleSourceTests
{
    /// <summary>Sample i: data (2, 3) holding i + 0.1·k, label i mod 3, and a third field i·10 — made on demand.</summary>
    private sealed class Generated(int count) : ISampleSource
    {
        public ConcurrentDictionary<int, int> Reads { get; } = new();
        public int Count => count;
        public IReadOnlyList<Shape> FieldShapes { get; } = [new Shape(2, 3), Shape.Scalar, new Shape(1)];

        public void Read(int index, SampleFields fields)
        {
            Reads.AddOrUpdate(index, 1, (_, n) => n + 1);
            for (int k = 0; k < 6; k++) fields.Data[k] = index + 0.1f * k;
            fields.Label[0] = index % 3;
            fields[2][0] = index * 10f;
        }

        public Tensor All(int field) => field switch
        {
            0 => Tensor.FromArray([.. Enumerable.Range(0, count).SelectMany(i => Enumerable.Range(0, 6).Select(k => i + 0.1f * k))], count, 2, 3),
            1 => Tensor.FromArray([.. Enumerable.Range(0, count).Select(i => (float)(i % 3))], count),
            _ => Tensor.FromArray([.. Enumerable.Range(0, count).Select(i => i * 10f)], count, 1),
        };
    }

    [Fact]
    public void A_source_batches_exactly_as_the_same_samples_held_as_tensors_shuffled_by_the_same_seed()
    {
        var source = new Generated(23);
        var fromSource = new DataLoader(source, batchSize: 5, shuffle: true, seed: 9);
        var fromTensors = new DataLoader([source.All(0), source.All(1), source.All(2)], batchSize: 5, shuffle: true, seed: 9);
        Assert.Equal(fromTensors.BatchCount, fromSource.BatchCount);
        Assert.Equal(23, fromSource.SampleCount);
        for (int epoch = 0; epoch < 2; epoch++)
            foreach (var (a, b) in fromSource.Zip(fromTensors))
            {
                Assert.Equal(b.Data.Shape, a.Data.Shape);   // (5, 2, 3), the last batch (3, 2, 3)
                Assert.Equal(b.Data.ToArray(), a.Data.ToArray());
                Assert.Equal(b.Labels.ToArray(), a.Labels.ToArray());
                Assert.Equal(b.More[0].ToArray(), a.More[0].ToArray());
            }
        Assert.Equal(23, source.Reads.Count);
        Assert.All(source.Reads.Values, n => Assert.Equal(2, n));   // each sample read once an epoch
    }

    [Fact]
    public void Without_prefetch_and_with_dropLast_the_short_batch_is_left_out()
    {
        var loader = new DataLoader(new Generated(11), batchSize: 4, dropLast: true, prefetch: false);
        Assert.Equal([4, 4], loader.Select(b => b.Size).ToArray());
        Assert.Equal([0f, 1, 2, 0], loader.First().Labels.ToArray());
    }

    private sealed class Failing : ISampleSource
    {
        public int Count => 10;
        public IReadOnlyList<Shape> FieldShapes { get; } = [new Shape(2), Shape.Scalar];
        public void Read(int index, SampleFields fields)
        {
            if (index == 7) throw new FileNotFoundException("image 7.png is missing");
            fields.Data.Fill(index);
        }
    }

    [Fact]
    public void A_read_that_throws_comes_out_of_the_enumeration_naming_the_sample_with_the_cause_inside()
    {
        foreach (bool prefetch in new[] { true, false })
        {
            var e = Assert.Throws<InvalidOperationException>(() => new DataLoader(new Failing(), 4, prefetch: prefetch).ToList());
            Assert.Contains("Read(7)", e.Message);
            Assert.Contains("image 7.png is missing", e.Message);
            Assert.IsType<FileNotFoundException>(e.InnerException);
        }
    }

    private sealed class Described(int count, params Shape[] shapes) : ISampleSource
    {
        public int Count => count;
        public IReadOnlyList<Shape> FieldShapes => shapes;
        public void Read(int index, SampleFields fields) { }
    }

    [Fact]
    public void A_source_with_no_samples_too_few_fields_or_an_unknown_size_is_refused_saying_what_to_give()
    {
        var empty = Assert.Throws<ArgumentException>(() => new DataLoader(new Described(0, new Shape(2), Shape.Scalar), 4));
        Assert.Contains("0 samples", empty.Message);
        var oneField = Assert.Throws<ArgumentException>(() => new DataLoader(new Described(5, new Shape(2)), 4));
        Assert.Contains("the data and the label", oneField.Message);
        var unknown = Assert.Throws<ArgumentException>(() => new DataLoader(new Described(5, new Shape(-1, 3), Shape.Scalar), 4));
        Assert.Contains("(-1, 3)", unknown.Message);
        Assert.Throws<ArgumentException>(() => new DataLoader(new Described(3, new Shape(2), Shape.Scalar), 4, dropLast: true));
    }
}
