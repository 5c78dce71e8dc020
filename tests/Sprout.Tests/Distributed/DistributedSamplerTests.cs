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

    [Fact]
    public void Unequal_batch_sizes_still_cover_each_global_batch_once()
    {
        const int Samples = 1000, Global = 256;
        int[] sizes = [100, 156];
        var samplers = Enumerable.Range(0, 2).Select(r => new DistributedSampler(Samples, r, 2, Global / 2, seed: 9)).ToArray();
        foreach (var s in samplers) s.SetBatchSizes(sizes);
        var single = new DistributedSampler(Samples, 0, 1, Global, seed: 9);
        Assert.Equal([100, 156], samplers.Select(s => s.BatchSize));
        Assert.All(samplers, s => Assert.Equal(single.StepsPerEpoch, s.StepsPerEpoch));
        var shards = samplers.Select(s => s.Indices(3)).ToArray();
        Assert.Equal([single.StepsPerEpoch * 100, single.StepsPerEpoch * 156], shards.Select(s => s.Length));
        var reference = single.Indices(3);
        for (int step = 0; step < single.StepsPerEpoch; step++)
        {
            var union = shards[0].Skip(step * 100).Take(100).Concat(shards[1].Skip(step * 156).Take(156));
            Assert.Equal(reference.Skip(step * Global).Take(Global), union);   // rank 0 the first 100 of the global batch, rank 1 the rest, in order
        }
    }

    [Fact]
    public void A_split_that_does_not_cover_the_global_batch_is_refused_and_the_old_one_kept()
    {
        var sampler = new DistributedSampler(1000, 0, 2, 64, seed: 1);
        var wrongSum = Assert.Throws<ArgumentException>(() => sampler.SetBatchSizes([60, 60]));
        Assert.Contains("sum to 120, not the global batch of 128", wrongSum.Message);
        Assert.Throws<ArgumentException>(() => sampler.SetBatchSizes([128]));
        var empty = Assert.Throws<ArgumentOutOfRangeException>(() => sampler.SetBatchSizes([128, 0]));
        Assert.Contains("rank 1 was given 0", empty.Message);
        Assert.Equal([64, 64], sampler.BatchSizes);
    }

    [Fact]
    public void Load_balance_splits_in_proportion_to_speed_and_sums_to_the_total()
    {
        Assert.Equal([64, 192], LoadBalance.Split(256, [3e-6, 1e-6]));   // the second rank is three times as fast
        Assert.Equal([128, 128], LoadBalance.Split(256, [2e-6, 2e-6]));
        var three = LoadBalance.Split(100, [1.0, 1.0, 1.0]);
        Assert.Equal(100, three.Sum());
        Assert.All(three, n => Assert.InRange(n, 33, 34));
        Assert.Equal([1, 9], LoadBalance.Split(10, [1000.0, 1.0]));   // every rank keeps at least one sample
    }
}
