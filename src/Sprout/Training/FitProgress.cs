namespace Sprout.Training;

/// <summary>
/// Reported by <see cref="FitLoop"/> after each batch (<see cref="Completed"/> null) and at the end of each epoch
/// (<see cref="Completed"/> set). Loss and accuracy are running means over the epoch so far.
/// </summary>
public sealed record FitProgress(int Epoch, int Epochs, int Batch, int Batches, double TrainLoss, double TrainAccuracy, EpochResult? Completed);
