#:project ../src/Sprout.Distributed/Sprout.Distributed.csproj
#:property TieredCompilation=false
// Data-parallel training over MPI: every rank trains the same deferred network on its own shard of each batch, and the
// gradients are summed across ranks after each backward. Build once, then launch the ranks with mpirun:
//   dotnet build samples/distributed-mlp.cs
//   mpirun -np 2 -x SPROUT_THREADS=1 dotnet run --no-build samples/distributed-mlp.cs -- [--net mlp|lenet] [--epochs N] [--subset] [--overlap] [--balance]
// --overlap: trainer.Backward(loss) starts each gradient bucket's all-reduce while the backward pass still runs, which
// pays where ranks talk over a network; on one machine with a core per rank it measured 4–5 % slower (a reduction moves
// only inside MPI calls, and the non-blocking call takes a slower path). --balance: after each epoch the global batch is
// split by the ranks' measured speeds (the updates stay those of one process with the whole batch).
// (TieredCompilation=false above: a rank bound to one core otherwise runs its first epochs on unoptimized code; the
// README's MPI section has this and the all-reduce transport measured.)
// On several machines: mpirun --hostfile hosts -np 8 … (the same program and data on each).
using System.Diagnostics;
using Sprout;
using Sprout.Data;
using Sprout.Distributed;
using Sprout.Init;
using Sprout.Nn;
using Sprout.Training;

string net = ArgValue("--net") ?? "mlp";
int epochs = int.Parse(ArgValue("--epochs") ?? "3", System.Globalization.CultureInfo.InvariantCulture);
bool subset = args.Contains("--subset"), overlap = args.Contains("--overlap"), balance = args.Contains("--balance");

using var world = Communicator.World;
var train = subset ? FashionMnist.LoadSubset(Split.Train) : FashionMnist.Load(Split.Train);
var test = subset ? FashionMnist.LoadSubset(Split.Test) : FashionMnist.Load(Split.Test);
if (world.IsRoot) Console.WriteLine($"{world.Size} rank(s), {Threads.Count} thread(s) each; {net}; {train.Count:N0} training images ({train.Source})");

Rng.Seed(42);   // the same seed everywhere: deferred parameters are filled identically on every rank (checked at step 1)
Sequential model = net == "lenet"
    ? new() { new Conv2D(6, 5, padding: 2, activation: Activation.Sigmoid), new AvgPool2D(2), new Conv2D(16, 5, activation: Activation.Sigmoid),
              new AvgPool2D(2), new Flatten(), new Dense(120, Activation.Sigmoid), new Dense(84, Activation.Sigmoid), new Dense(10) }
    : new() { new Flatten(), new Dense(256, Activation.Relu), new Dense(10) };
model.Initialize(new Xavier());
var trainer = new DistributedTrainer(world, model.CollectParams(), net == "lenet" ? new Sgd(0.9f) : new Sgd(0.1f));
var sampler = new DistributedSampler(train.Count, world.Rank, world.Size, batchSize: 256 / world.Size, seed: 7);
var loss = new SoftmaxCrossEntropyLoss();

for (int epoch = 0; epoch < epochs; epoch++)
{
    var clock = Stopwatch.StartNew();
    var (x, y) = sampler.Shard(train.Images, train.Labels, epoch);
    double lossSum = 0;
    foreach (var batch in new DataLoader(x, y, sampler.BatchSize))
    {
        Tensor l;
        using (Autograd.Record()) l = loss.Forward(model.Forward(batch.Data), batch.Labels).Sum();
        if (overlap) trainer.Backward(l);   // each bucket's all-reduce starts as soon as the pass has finished its gradients
        else l.Backward();
        lossSum += l.Item();
        trainer.Step(batch.Size);
    }
    Span<float> total = [(float)lossSum];
    world.AllReduceSum(total);
    double accuracy = Accuracy(model, test);
    if (world.IsRoot)
        Console.WriteLine($"epoch {epoch + 1}: train loss {total[0] / (sampler.StepsPerEpoch * 256):F4}, test accuracy {accuracy:F4}, " +
                          $"{clock.Elapsed.TotalSeconds:F2} s, all-reduce {trainer.ReduceTime.TotalMilliseconds / trainer.Steps:F2} ms per step" +
                          (balance ? $", batches {string.Join(" + ", sampler.BatchSizes)}" : ""));
    if (balance) trainer.BalanceBatches(sampler);   // every rank, at the same point
}
world.SaveParametersOnRoot(model, $"distributed-{net}.safetensors");
world.SaveStatesOnRoot(trainer, $"distributed-{net}-states.safetensors");   // the optimizer's state, to resume training
if (world.IsRoot) Console.WriteLine($"Saved distributed-{net}.safetensors and its trainer states from rank 0 (they load on any number of ranks).");

static double Accuracy(Block model, Dataset test)
{
    var metric = new Accuracy();
    using (Autograd.Predict())
        foreach (var b in new DataLoader(test.Images, test.Labels, 1000)) metric.Update(b.Labels, model.Forward(b.Data));
    return metric.Value;
}

string? ArgValue(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
