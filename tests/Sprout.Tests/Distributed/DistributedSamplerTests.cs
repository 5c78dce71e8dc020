using Sprout.Distributed;

namespace Sprout.Tests.Distributed;

/// <summary>The sharding sampler, which needs no MPI: disjoint shards, equal steps, one global order per epoch.</summary>
public class DistributedSamplerTests
{
    [Fact]
    public void Ranks_get_disjoint_equal_shards_whose_union_per_step_is_the_single_process_batch()
    {
        const int Samples = 1000, Batch = 64, Ranks = 3;
        var samplers = Enumerable.Range(0, Ranks).Select(r => new DistributedSampler(Samples, r, Ranks, Batch, seed: 5)).ToArray();
        var single = new DistributedSampler(Samples, 0, 1, Batch * Ranks, seed: 5);
        Assert.All(samplers, s => Assert.Equal(Samples / (Batch * Ranks), s.StepsPerEpoch));
        for (int epoch = 0; epoch < 2; epoch++)
        {
            var shards = samplers.Select(s => s.Indices(epoch)).ToArray();
            Assert.All(shards, s => Assert.Equal(samplers[0].StepsPerEpoch * Batch, s.Length));
            Assert.Equal(shards.Sum(s => s.Length), shards.SelectMany(s => s).Distinct().Count());   // disjoint
            var reference = single.Indices(epoch);
            for (int step = 0; step < single.StepsPerEpoch; step++)
            {
                var union = shards.SelectMany(s => s.Skip(step * Batch).Take(Batch)).Order();
                Assert.Equal(reference.Skip(step * Batch * Ranks).Take(Batch * Ranks).Order(), union);
            }
        }
        Assert.NotEqual(samplers[0].Indices(0), samplers[0].Indices(1));   // reshuffled each epoch
        Assert.Equal(samplers[1].Indices(1), new DistributedSampler(Samples, 1, Ranks, Batch, seed: 5).Indices(1));   // from the shared seed
    }

    [Fact]
    public void Shards_gather_the_rows_and_bad_settings_are_refused()
    {
        var data = Tensor.Arange(20).Reshape(10, 2);
        var labels = Tensor.Arange(10);
        var sampler = new DistributedSampler(10, 1, 2, 2, seed: 1, shuffle: false);
        var (x, y) = sampler.Shard(data, labels, 0);
        Assert.Equal([2, 3, 6, 7], y.ToArray());
        Assert.Equal([4, 5, 6, 7, 12, 13, 14, 15], x.ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => new DistributedSampler(10, 2, 2, 2, 1));
        Assert.Throws<ArgumentException>(() => new DistributedSampler(3, 0, 2, 2, 1));
        Assert.Throws<ArgumentException>(() => sampler.Shard(Tensor.Zeros(9, 2), Tensor.Zeros(9), 0));
    }
}
