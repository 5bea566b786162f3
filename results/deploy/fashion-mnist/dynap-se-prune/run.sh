#!/bin/bash
# DYNAP-SE (1024 neurons, 4 cores of 256) for a 784-1024-10 MLP: over its neurons and cores, so deploy prunes
# hidden units first. Each pruning criterion, 3 seeds, the full preset's warm-start and fine-tune budgets.
set -e
B=/work/runs/bin-e688fd6/spikefit
W=/work/runs/prune-dynap
for S in 1 2 3; do
  [ -f $W/fp-$S/checkpoint.sfck ] || $B train --net mlp --hidden 1024 --epochs 10 --lr 1e-3 --batch 128 --seed $S --device cpu --out $W/fp-$S --json $W/fp-$S.json
  for C in fsc taylor magnitude firing-rate random; do
    [ -f $W/s$S-$C.json ] || $B deploy --chip DYNAP-SE --warm-start $W/fp-$S/checkpoint.sfck --epochs 3 --lr 3e-4 --prune-criterion $C \
        --seed $S --device cpu --out $W/s$S-$C --json $W/s$S-$C.json
  done
done
echo ALL DONE
