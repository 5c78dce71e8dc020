namespace Sprout.Training;

/// <summary>What one epoch of <see cref="FitLoop"/> measured. TestAccuracy is NaN when no test data was given.</summary>
public sealed record EpochResult(int Epoch, double TrainLoss, double TrainAccuracy, double TestAccuracy, TimeSpan Elapsed);
