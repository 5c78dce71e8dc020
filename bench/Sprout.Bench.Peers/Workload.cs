namespace Sprout.Bench.Peers;

/// <summary>
/// One workload measured in both libraries: <see cref="Sprout"/> and <see cref="Torch"/> each run it once (an epoch,
/// or a fixed number of steps) and return how many units of work they did (samples, or steps).
/// </summary>
internal sealed record Workload(string Name, string Unit, Func<int> Sprout, Func<int> Torch);
