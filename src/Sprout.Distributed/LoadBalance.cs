namespace Sprout.Distributed;

/// <summary>How to split a global batch between ranks of different speed.</summary>
internal static class LoadBalance
{
    /// <summary>
    /// <paramref name="total"/> samples split in proportion to each rank's speed (1 / its seconds per sample), rounded by
    /// largest remainder so the parts sum to the total, and each at least 1 (taken from the largest part). The same
    /// inputs give the same split on every rank.
    /// </summary>
    public static int[] Split(int total, IReadOnlyList<double> secondsPerSample)
    {
        int ranks = secondsPerSample.Count;
        if (total < ranks) throw new ArgumentOutOfRangeException(nameof(total), total, $"LoadBalance: {total} samples cannot give each of {ranks} ranks one.");
        double speedSum = secondsPerSample.Sum(s => 1 / s);
        var exact = secondsPerSample.Select(s => total * (1 / s) / speedSum).ToArray();
        var sizes = exact.Select(e => (int)Math.Floor(e)).ToArray();
        int left = total - sizes.Sum();
        foreach (int r in Enumerable.Range(0, ranks).OrderByDescending(r => exact[r] - sizes[r]).ThenBy(r => r).Take(left))
            sizes[r]++;
        for (int r = 0; r < ranks; r++)
            if (sizes[r] == 0)
            {
                sizes[Array.IndexOf(sizes, sizes.Max())]--;
                sizes[r] = 1;
            }
        return sizes;
    }
}
