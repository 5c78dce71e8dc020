using System.Runtime.InteropServices;
using Sprout.Nn;

namespace Sprout.Distributed;

/// <summary>
/// Checks that every rank holds the same network with the same values: Sprout fills deferred parameters from streams keyed
/// by (seed, initialization, path), so ranks that run the same program agree without sending a single weight — and this
/// is where that is verified rather than assumed. Each rank hashes each parameter's name, shape and values (FNV-1a over
/// the bits); the hashes are gathered and compared, and every rank throws the same error naming the first parameter that
/// differs and the ranks that disagree.
/// </summary>
public static class ParameterChecksums
{
    /// <summary>Throws <see cref="InvalidOperationException"/> on every rank unless all ranks agree on every parameter.</summary>
    public static void Verify(Communicator communicator, IReadOnlyList<(string Name, Parameter Parameter)> parameters)
    {
        ArgumentNullException.ThrowIfNull(communicator);
        ArgumentNullException.ThrowIfNull(parameters);
        int size = communicator.Size;
        var counts = communicator.AllGather([parameters.Count]);
        if (counts.Distinct().Count() > 1)
            throw new InvalidOperationException(
                $"Sprout.Distributed: the ranks' networks differ in structure: {string.Join(", ", counts.Select((c, r) => $"rank {r} has {c} parameters"))}. " +
                "Every rank must build the same network.");
        var mine = new double[parameters.Count * 4];
        for (int i = 0; i < parameters.Count; i++)
        {
            var (name, p) = parameters[i];
            ulong structure = Hash(System.Text.Encoding.UTF8.GetBytes($"{name} {p.Shape}"));
            ulong values = p.IsInitialized ? Hash(MemoryMarshal.AsBytes(p.Data().AsSpan())) : 0;
            (mine[4 * i], mine[4 * i + 1], mine[4 * i + 2], mine[4 * i + 3]) = (structure >> 32, structure & 0xFFFFFFFF, values >> 32, values & 0xFFFFFFFF);
        }
        var all = communicator.AllGather(mine);
        int stride = mine.Length;
        for (int i = 0; i < parameters.Count; i++)
        {
            var (name, p) = parameters[i];
            for (int part = 0; part < 4; part += 2)
            {
                var differing = Enumerable.Range(1, size - 1).Where(r => all[r * stride + 4 * i + part] != all[4 * i + part] || all[r * stride + 4 * i + part + 1] != all[4 * i + part + 1]).ToList();
                if (differing.Count == 0) continue;
                throw new InvalidOperationException(part == 0
                    ? $"Sprout.Distributed: the ranks' networks differ in structure at parameter #{i}: rank 0 and rank(s) {string.Join(", ", differing)} disagree on its name or shape " +
                      $"(rank {communicator.Rank} has '{name}' {p.Shape}). Every rank must build the same network."
                    : $"Sprout.Distributed: parameter '{name}' {p.Shape} differs between rank 0 and rank(s) {string.Join(", ", differing)} at the first step. " +
                      "Ranks must start from identical weights: use the same Rng.Seed and the same Initialize() calls on every rank, or Broadcast(net, 0) after loading a checkpoint on one rank.");
            }
        }
    }

    /// <summary>FNV-1a, 64-bit.</summary>
    private static ulong Hash(ReadOnlySpan<byte> bytes)
    {
        ulong h = 0xcbf29ce484222325UL;
        foreach (byte b in bytes) h = (h ^ b) * 0x100000001b3UL;
        return h;
    }
}
